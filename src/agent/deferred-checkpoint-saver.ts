import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  type PendingWrite,
} from '@langchain/langgraph-checkpoint';

/** What a run handed its checkpointer, in the order it did, not stored yet. */
type Held =
  | {
      kind: 'put';
      config: RunnableConfig;
      checkpoint: Checkpoint;
      metadata: CheckpointMetadata;
      versions: ChannelVersions;
    }
  | {
      kind: 'writes';
      config: RunnableConfig;
      writes: PendingWrite[];
      taskId: string;
      path?: string;
    };

/** A run's held writes, and whether its thread has anything stored. */
interface Thread {
  held: Held[];
  /** A new run: nothing of its thread is stored, so there is nothing to read or delete. */
  fresh: boolean;
}

/** Bounds {@link DeferredCheckpointSaver}'s memory of threads with nothing stored. */
const MAX_UNSTORED = 100_000;

function threadOf(config: RunnableConfig): string | undefined {
  const id: unknown = config.configurable?.thread_id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * A checkpointer that stores a run's checkpoints only if the run pauses. Only a run waiting for a
 * tool approval is ever resumed (by any instance, after a restart too), so only its state needs
 * PostgreSQL; storing every run's state and deleting it at its end cost about a dozen round trips
 * and a serialization of the whole history per run. So, for the threads {@link begin} was called
 * for, what LangGraph writes is held in memory, then {@link keep} stores it in `durable` (the run
 * paused) or {@link drop} forgets it (the run ended). Runs use `durability: 'exit'`, so what is held
 * is a step's checkpoint and writes, not the whole run's history of steps. Threads not begun go
 * straight to `durable`.
 */
export class DeferredCheckpointSaver extends BaseCheckpointSaver {
  private readonly threads = new Map<string, Thread>();
  /**
   * Threads known to have nothing stored (runs that never paused), so forgetting them is free.
   * Emptied when full: a thread missing here is only deleted with a query that finds nothing.
   */
  private readonly unstored = new Set<string>();

  constructor(private readonly durable: BaseCheckpointSaver) {
    super(durable.serde);
  }

  /**
   * Holds the thread's writes from now on. `fresh`: a new run whose thread has nothing stored
   * (reading it needs no query); otherwise a paused run going on.
   */
  begin(threadId: string, fresh: boolean): void {
    this.threads.set(threadId, { held: [], fresh });
    if (!fresh) return;
    if (this.unstored.size >= MAX_UNSTORED) this.unstored.clear();
    this.unstored.add(threadId);
  }

  /** The run paused: stores what it wrote, in order, so that any instance can resume it. */
  async keep(threadId: string): Promise<void> {
    const thread = this.threads.get(threadId);
    this.threads.delete(threadId);
    this.unstored.delete(threadId);
    for (const held of thread?.held ?? []) {
      if (held.kind === 'put') {
        await this.durable.put(held.config, held.checkpoint, held.metadata, held.versions);
      } else {
        await this.durable.putWrites(held.config, held.writes, held.taskId, held.path);
      }
    }
  }

  /** The run ended (or failed): what it wrote is of no use. */
  drop(threadId: string): void {
    this.threads.delete(threadId);
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const thread = this.threads.get(threadOf(config) ?? '');
    if (thread?.fresh && thread.held.length === 0) return undefined;
    // Read after a write of the same run (LangGraph does not, with exit durability): store first.
    if (thread && thread.held.length > 0) {
      const id = threadOf(config)!;
      await this.keep(id);
      this.begin(id, false);
    }
    return this.durable.getTuple(config);
  }

  override list(
    config: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncGenerator<CheckpointTuple> {
    return this.durable.list(config, options);
  }

  override put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    versions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const thread = this.threads.get(threadOf(config) ?? '');
    if (!thread) return this.durable.put(config, checkpoint, metadata, versions);
    thread.held.push({ kind: 'put', config, checkpoint, metadata, versions });
    // What PostgresSaver answers: the checkpoint just written.
    return Promise.resolve({
      configurable: {
        thread_id: config.configurable?.thread_id as string,
        checkpoint_ns: (config.configurable?.checkpoint_ns as string | undefined) ?? '',
        checkpoint_id: checkpoint.id,
      },
    });
  }

  override putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    path?: string,
  ): Promise<void> {
    const thread = this.threads.get(threadOf(config) ?? '');
    if (!thread) return this.durable.putWrites(config, writes, taskId, path);
    thread.held.push({ kind: 'writes', config, writes, taskId, path });
    return Promise.resolve();
  }

  override async deleteThread(threadId: string): Promise<void> {
    this.threads.delete(threadId);
    if (this.unstored.delete(threadId)) return;
    await this.durable.deleteThread(threadId);
  }

  override getNextVersion(current: number | undefined): number {
    return this.durable.getNextVersion(current);
  }
}
