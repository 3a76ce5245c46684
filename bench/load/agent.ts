/**
 * The load agent: a child process of the runner that generates every measured request. Jobs arrive
 * over IPC one at a time; results go back the same way. Keeping it apart means the load generator
 * never shares an event loop with the runner (which samples RSS and scrapes metrics meanwhile),
 * and one long-lived process avoids paying ts-node's start-up for each of the dozens of runs.
 */
import { runHttpJob } from './http-load';
import { runIngestJob } from './knowledge-load';
import type { AgentMessage, Job, JobRequest } from './protocol';
import { createConversations, runStreamsJob } from './stream-load';

function send(message: AgentMessage): void {
  process.send?.(message);
}

async function run(id: number, job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'http':
      return runHttpJob(job);
    case 'create-conversations':
      return createConversations(job);
    case 'streams':
      return runStreamsJob(job, (progress) => send({ id, progress }));
    case 'ingest':
      return runIngestJob(job);
  }
}

process.on('message', (message: JobRequest) => {
  run(message.id, message.job).then(
    (result) => send({ id: message.id, ok: true, result }),
    (error: unknown) =>
      send({
        id: message.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});

// The runner going away (even killed) closes the IPC channel: leave with it.
process.on('disconnect', () => process.exit(0));
