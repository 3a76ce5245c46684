import { corpusDocument } from '../lib/knowledge';
import { round, summarize } from '../lib/stats';
import type { IngestJob, IngestResult } from './protocol';
import { post } from './stream-load';

/**
 * Uploads the job's documents of the synthetic corpus, `concurrency` at a time (each worker sends
 * its next upload when the previous one is answered), and sums the chunks the app reports. Each
 * document is generated before its request is timed, so the timing is the server's (and the
 * loopback's) alone.
 */
export async function runIngestJob(job: IngestJob): Promise<IngestResult> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let next = job.first;
  const end = job.first + job.count;
  let documents = 0;
  let chunks = 0;
  let characters = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  let lastAnswerAt = started;
  const worker = async () => {
    while (next < end) {
      const document = corpusDocument(next, job.paragraphs);
      next += 1;
      const sentAt = performance.now();
      let status: number;
      let body: string;
      try {
        ({ status, body } = await post(
          job.baseUrl,
          '/api/v1/knowledge/documents',
          job.token,
          document,
        ));
      } catch (error) {
        status = 0;
        body = error instanceof Error ? error.message : String(error);
      }
      lastAnswerAt = performance.now();
      latencies.push(lastAnswerAt - sentAt);
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status === 201) {
        documents += 1;
        chunks += (JSON.parse(body) as { chunk_count: number }).chunk_count;
        characters += document.content.length;
      } else {
        failed += 1;
        firstFailure ??= `${status}: ${body.slice(0, 500)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.count) }, worker));
  return {
    documents,
    chunks,
    characters,
    failed,
    statusCodes,
    firstFailure,
    durationSec: round((lastAnswerAt - started) / 1000, 3),
    latency: summarize(latencies),
  };
}
