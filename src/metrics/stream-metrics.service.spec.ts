import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamRegistry } from '../streaming';
import { METRIC_NAMES as M } from './metric-names';
import { StreamMetrics } from './stream-metrics.service';

function build(registry?: Partial<StreamRegistry>): {
  metrics: StreamMetrics;
  text: () => Promise<string>;
} {
  const r = new Registry();
  const registers = [r];
  const metrics = new StreamMetrics(
    new Gauge({ name: M.streamsActive, help: 'h', registers }),
    new Counter({ name: M.streamsStarted, help: 'h', registers }),
    new Counter({ name: M.streamsCompleted, help: 'h', labelNames: ['outcome'], registers }),
    new Counter({ name: M.streamsRejected, help: 'h', registers }),
    new Histogram({ name: M.streamFirstEvent, help: 'h', buckets: [1, 60], registers }),
    new Histogram({
      name: M.streamDuration,
      help: 'h',
      labelNames: ['outcome'],
      buckets: [1, 60],
      registers,
    }),
    new Counter({ name: M.streamEvents, help: 'h', labelNames: ['type'], registers }),
    new Counter({ name: M.streamTokens, help: 'h', registers }),
    registry as StreamRegistry | undefined,
  );
  return { metrics, text: () => r.metrics() };
}

describe('StreamMetrics', () => {
  it('times the first event once and the end once, through the handle', async () => {
    const { metrics, text } = build();
    const stream = metrics.streamStarted();
    stream.event('message_chunk');
    stream.event('message_chunk');
    stream.event('complete_state');
    stream.tokens(3);
    stream.tokens(0);
    stream.completed('completed');
    stream.completed('client_gone');
    metrics.refresh();

    const out = await text();
    expect(out).toContain('streams_started_total 1');
    expect(out).toContain('stream_first_event_seconds_count 1');
    expect(out).toContain('stream_events_total{type="message_chunk"} 2');
    expect(out).toContain('stream_events_total{type="complete_state"} 1');
    expect(out).toContain('stream_tokens_total 3');
    expect(out).toContain('streams_completed_total{outcome="completed"} 1');
    expect(out).not.toContain('client_gone');
    expect(out).toContain('streams_active 0');
  });

  it('counts open streams itself when there is no stream registry', async () => {
    const { metrics, text } = build();
    metrics.streamStarted();
    metrics.streamStarted();
    metrics.refresh();
    expect(await text()).toContain('streams_active 2');
  });

  it('takes open streams and refusals from the registry when there is one', async () => {
    const snapshot = { active: 3, rejected: 2 };
    const { metrics, text } = build({
      snapshot: () => snapshot as ReturnType<StreamRegistry['snapshot']>,
    });
    metrics.streamStarted();
    metrics.refresh();
    expect(await text()).toContain('streams_active 3');
    expect(await text()).toContain('streams_rejected_total 2');
    snapshot.rejected = 5;
    metrics.refresh();
    metrics.refresh();
    expect(await text()).toContain('streams_rejected_total 5');
  });
});
