import { EventFeed } from './event-feed';

async function collect<T>(feed: EventFeed<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of feed) items.push(item);
  return items;
}

describe('EventFeed', () => {
  it('hands queued and later items to the consumer in order, then ends', async () => {
    const feed = new EventFeed<number>();
    feed.push(1);
    const done = collect(feed);
    feed.push(2);
    await Promise.resolve();
    feed.push(3);
    feed.end();
    feed.push(4); // after the end: ignored
    expect(await done).toEqual([1, 2, 3]);
  });

  it('releases once, when it ends or when the consumer leaves early', async () => {
    const released = jest.fn();
    const feed = new EventFeed<number>(released);
    feed.push(1);
    feed.push(2);
    for await (const item of feed) {
      expect(item).toBe(1);
      break;
    }
    expect(released).toHaveBeenCalledTimes(1);
    expect(feed.isEnded).toBe(true);
    feed.end();
    expect(released).toHaveBeenCalledTimes(1);
  });

  it('wakes a waiting consumer when it ends', async () => {
    const feed = new EventFeed<string>();
    const done = collect(feed);
    await Promise.resolve();
    feed.end();
    expect(await done).toEqual([]);
  });
});
