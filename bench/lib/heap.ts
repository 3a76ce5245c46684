import type { ServerInstance } from './app-server';
import { scrapeMetrics } from './http';
import type { InspectorSession } from './inspector';

const MB = 1024 * 1024;

/**
 * Forces a full garbage collection in the server (through its inspector), then reads its RSS and
 * the heap left in use: from the app's own `/metrics`
 * (`agent_server_process_resident_memory_bytes`, `agent_server_nodejs_heap_size_used_bytes`), or
 * for the baseline, which has no metrics, from /proc and `process.memoryUsage()` through the
 * inspector. Between major collections this app's heap swings
 * by hundreds of MB (~120 to ~480 MB, one Mark-Compact every ~10,000 requests), far more than the
 * growth or per-stream figures being measured, so a reading without the collection means little.
 */
export async function collectAndRead(
  server: ServerInstance,
  session: InspectorSession,
  source: 'metrics' | 'inspector',
): Promise<{ rssMb: number; heapMb: number }> {
  await session.send('HeapProfiler.collectGarbage');
  if (source === 'metrics') {
    const metrics = await scrapeMetrics(server.url);
    return {
      rssMb: (metrics.get('agent_server_process_resident_memory_bytes') ?? NaN) / MB,
      heapMb: (metrics.get('agent_server_nodejs_heap_size_used_bytes') ?? NaN) / MB,
    };
  }
  const evaluated = (await session.send('Runtime.evaluate', {
    expression: 'process.memoryUsage().heapUsed',
    returnByValue: true,
  })) as { result?: { value?: number } };
  return { rssMb: server.rss() / MB, heapMb: (evaluated.result?.value ?? NaN) / MB };
}
