import type { ChildProcess } from 'node:child_process';
import type {
  AgentMessage,
  CreateConversationsJob,
  HttpJob,
  HttpResult,
  IngestJob,
  IngestResult,
  Job,
  StreamsJob,
  StreamsProgress,
  StreamsResult,
} from '../load/protocol';
import { spawnWithFileLimit, tsNodeCommand, waitForExit } from './processes';

/** The runner's handle on the load agent child process (bench/load/agent.ts). */
export class LoadAgent {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    {
      resolve: (value: unknown) => void;
      reject: (error: Error) => void;
      onProgress?: (p: StreamsProgress) => void;
    }
  >();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: AgentMessage) => {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      if ('progress' in message) {
        entry.onProgress?.(message.progress);
        return;
      }
      this.pending.delete(message.id);
      if (message.ok) entry.resolve(message.result);
      else entry.reject(new Error(`load agent: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      for (const entry of this.pending.values()) {
        entry.reject(new Error(`load agent exited (${code ?? signal})`));
      }
      this.pending.clear();
    });
  }

  /** Starts the agent with an open-files limit high enough for `nofile` sockets. */
  static start(nofile: number): LoadAgent {
    const { command, args } = tsNodeCommand('load/agent.ts');
    const child = spawnWithFileLimit(command, args, {
      cwd: process.cwd(),
      env: process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      nofile,
    });
    return new LoadAgent(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  http(job: Omit<HttpJob, 'kind'>): Promise<HttpResult> {
    return this.run({ kind: 'http', ...job }) as Promise<HttpResult>;
  }

  createConversations(job: Omit<CreateConversationsJob, 'kind'>): Promise<string[]> {
    return this.run({ kind: 'create-conversations', ...job }) as Promise<string[]>;
  }

  ingest(job: Omit<IngestJob, 'kind'>): Promise<IngestResult> {
    return this.run({ kind: 'ingest', ...job }) as Promise<IngestResult>;
  }

  streams(
    job: Omit<StreamsJob, 'kind'>,
    onProgress?: (p: StreamsProgress) => void,
  ): Promise<StreamsResult> {
    return this.run({ kind: 'streams', ...job }, onProgress) as Promise<StreamsResult>;
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    if (!(await waitForExit(this.child, 5_000))) this.child.kill('SIGKILL');
  }

  private run(job: Job, onProgress?: (p: StreamsProgress) => void): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.child.send({ id, job });
    });
  }
}
