import { createHash } from 'node:crypto';
import request from 'supertest';
import { MessagesService } from '../src/conversations/messages.service';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

interface Hit {
  id: string;
  title: string | null;
  rank: number;
  snippet: string;
  snippet_message_id: string | null;
}

/** `GET /conversations?q=`: full-text search over the caller's own titles and messages. */
describe('Conversation search (e2e)', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  const ids: Record<string, string> = {};

  /** A conversation with a title and messages, stored the way runs store them. */
  const conversation = async (auth: string, title: string | null, contents: string[]) => {
    const created = await request(t.server)
      .post('/api/v1/conversations')
      .set('Authorization', auth)
      .send(title === null ? {} : { title })
      .expect(201);
    const messages = t.app.get(MessagesService);
    await messages.transaction((manager) =>
      messages.append(
        manager,
        created.body.id as string,
        contents.map((content, i) => ({
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content,
        })),
      ),
    );
    return created.body.id as string;
  };
  const search = (auth: string, query: Record<string, string | number>) =>
    request(t.server).get('/api/v1/conversations').query(query).set('Authorization', auth);

  beforeAll(async () => {
    t = await startTestApp();
    alice = `Bearer ${await tokenFor('alice-searcher')}`;
    bob = `Bearer ${await tokenFor('bob-searcher')}`;
    ids.titled = await conversation(alice, 'Trip to Lisbon', [
      'Where should I stay?',
      'Alfama is a good area.',
    ]);
    ids.often = await conversation(alice, null, [
      'Lisbon hotels: is Lisbon expensive, and is Lisbon safe at night?',
      'Lisbon is fairly safe.',
    ]);
    ids.once = await conversation(alice, 'Weekend', [
      'A long message about many things: trains, food, museums, and a day trip to lisbon.',
    ]);
    ids.markup = await conversation(alice, null, [
      '<img src=x onerror=alert(1)> <b>lisbon</b> & "more"',
    ]);
    ids.unrelated = await conversation(alice, 'Pasta', ['How long do I boil spaghetti?']);
    ids.bobs = await conversation(bob, 'Lisbon for Bob', ['Bob goes to Lisbon too.']);
  });
  afterAll(() => t.close());

  it('finds only the caller’s conversations, by title or message, best first, with a snippet', async () => {
    const res = await search(alice, { q: 'lisbon' }).expect(200);
    const hits = res.body.items as Hit[];
    const found = hits.map((hit) => hit.id);
    expect(found.sort()).toEqual([ids.titled, ids.often, ids.once, ids.markup].sort());
    expect(found).not.toContain(ids.bobs);
    expect(found).not.toContain(ids.unrelated);
    expect(res.body.next_cursor).toBeNull();
    // Ranked: best first; the title counts twice, and several hits in a message beat one.
    const ranks = hits.map((hit) => hit.rank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(hits[0].id).toBe(ids.titled);
    const rankOf = (id: string) => hits.find((hit) => hit.id === id)!.rank;
    expect(rankOf(ids.often)).toBeGreaterThan(rankOf(ids.once));

    // The snippet comes from the title when no message matched, from the best message otherwise.
    expect(hits[0]).toMatchObject({
      title: 'Trip to Lisbon',
      snippet: 'Trip to <mark>Lisbon</mark>',
      snippet_message_id: null,
    });
    const once = hits.find((hit) => hit.id === ids.once)!;
    expect(once.snippet).toContain('day trip to <mark>lisbon</mark>');
    expect(once.snippet_message_id).toEqual(expect.any(String));
    // Markup in a message is escaped: only the highlight is live.
    const markup = hits.find((hit) => hit.id === ids.markup)!;
    // (PostgreSQL's parser leaves HTML tags out of a headline; what remains is escaped.)
    expect(markup.snippet).toContain('<mark>lisbon</mark>');
    expect(markup.snippet).toContain('&gt;');
    expect(markup.snippet).toContain('&amp; &quot;more');
    expect(markup.snippet.replaceAll('<mark>', '').replaceAll('</mark>', '')).not.toMatch(/[<>]/);

    // Bob finds only his own.
    const bobs = await search(bob, { q: 'lisbon' }).expect(200);
    expect(bobs.body.items.map((hit: Hit) => hit.id)).toEqual([ids.bobs]);
  });

  it('reads web search syntax: phrases, or, exclusion', async () => {
    const ids_ = async (q: string) =>
      ((await search(alice, { q }).expect(200)).body.items as Hit[]).map((hit) => hit.id).sort();
    expect(await ids_('"day trip"')).toEqual([ids.once]);
    expect(await ids_('spaghetti or alfama')).toEqual([ids.titled, ids.unrelated].sort());
    expect(await ids_('lisbon -safe')).toEqual([ids.titled, ids.once, ids.markup].sort());
    // Nothing to search for: no hits, not an error.
    expect(await ids_('-')).toEqual([]);
  });

  it('pages through the hits with a cursor, each once, in rank order', async () => {
    const all = ((await search(alice, { q: 'lisbon' }).expect(200)).body.items as Hit[]).map(
      (hit) => hit.id,
    );
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await search(alice, { q: 'lisbon', limit: 1, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(1);
      paged.push(...res.body.items.map((hit: Hit) => hit.id));
      cursor = res.body.next_cursor;
    } while (cursor && paged.length < 10);
    expect(paged).toEqual(all);
  });

  it('lists plainly when q is blank', async () => {
    const plain = await search(alice, {}).expect(200);
    const blank = await search(alice, { q: '  ' }).expect(200);
    expect(blank.body).toEqual(plain.body);
    expect(plain.body.items[0].rank).toBeUndefined();
  });

  it('stores and finds a message longer than a tsvector can hold (only its start is indexed)', async () => {
    // ~2 MB of distinct words: its whole tsvector would exceed PostgreSQL's 1 MB.
    const words = Array.from({ length: 60_000 }, (_, i) =>
      createHash('md5').update(String(i)).digest('hex'),
    );
    const id = await conversation(alice, null, [`zanzibar ${words.join(' ')}`]);
    const res = await search(alice, { q: 'zanzibar' }).expect(200);
    expect(res.body.items.map((hit: Hit) => hit.id)).toEqual([id]);
    expect(res.body.items[0].snippet).toContain('<mark>zanzibar</mark>');
  });

  it('refuses bad queries and forged cursors with a 400', async () => {
    expectProblem(await search(alice, { q: 'x'.repeat(201) }), 400, 'validation_failed');
    expectProblem(await search(alice, { q: 'lisbon\u0000' }), 400, 'validation_failed');
    const forged = (position: unknown) =>
      Buffer.from(JSON.stringify(position)).toString('base64url');
    const listCursor = (await search(alice, { limit: 1 }).expect(200)).body.next_cursor as string;
    for (const cursor of [
      'garbage!',
      listCursor,
      forged({ r: 1e-300, i: ids.titled }),
      forged({ r: 1e300, i: ids.titled }),
      forged({ r: -1, i: ids.titled }),
      forged({ r: '0.5', i: ids.titled }),
      forged({ r: 0.5, i: 'not-a-uuid' }),
      forged({ r: 0.5 }),
      forged(null),
    ]) {
      expectProblem(await search(alice, { q: 'lisbon', cursor }), 400, 'invalid_cursor');
    }
    // A well-formed cursor of another user's hit reveals nothing: it is only a position.
    const fromBob = forged({ r: 0.5, i: ids.bobs });
    const res = await search(alice, { q: 'lisbon', cursor: fromBob }).expect(200);
    expect(res.body.items.map((hit: Hit) => hit.id)).not.toContain(ids.bobs);
  });
});
