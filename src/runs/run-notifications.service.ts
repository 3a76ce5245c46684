import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Client, type Notification } from 'pg';
import { DATABASE_LOCATION, type DatabaseLocation } from '../database/database-location';
import { RUN_EVENTS_CHANNEL } from './run-event.store';

/** The channel on which "cancel run <id>" reaches whichever instance executes it. */
export const RUN_CANCEL_CHANNEL = 'run_cancel';

type Listener = (payload: string) => void;

/**
 * This process's own connection to PostgreSQL, outside the pool, which does two things:
 *
 * - It LISTENs for run notifications from every instance: new events of a run (followers wake up
 *   and read them) and cancel requests (the owner aborts the run).
 * - It holds a session advisory lock on {@link ownerKey}, the key runs started here carry as their
 *   `owner_id`. PostgreSQL releases the lock the moment this connection goes, so when the process
 *   dies (even SIGKILL) any instance can see at once that its runs have no owner any more, without
 *   heartbeats that a busy event loop could miss.
 *
 * The connection is re-opened after a failure (the lock re-taken); listeners registered with
 * {@link onReconnect} are then told, since notifications sent meanwhile were lost.
 */
@Injectable()
export class RunNotificationsService implements OnModuleInit, OnApplicationShutdown {
  /** The owner key of this process: a random positive 62-bit integer, as text. */
  readonly ownerKey = randomOwnerKey();
  private readonly logger = new Logger('RunNotifications');
  private readonly listeners = new Map<string, Map<string, Set<Listener>>>([
    [RUN_EVENTS_CHANNEL, new Map()],
    [RUN_CANCEL_CHANNEL, new Map()],
  ]);
  private readonly reconnectListeners = new Set<() => void>();
  private client?: Client;
  private stopped = false;
  private connectedBefore = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(@Inject(DATABASE_LOCATION) private readonly location: DatabaseLocation) {}

  /** Opens the connection, takes the owner lock and starts listening. */
  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  /** Calls `listener` with the payload of each notification on `channel` for `runId`. */
  subscribe(channel: string, runId: string, listener: Listener): () => void {
    const byRun = this.listeners.get(channel);
    if (!byRun) throw new Error(`Unknown channel ${channel}`);
    let set = byRun.get(runId);
    if (!set) byRun.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && byRun.get(runId) === set) byRun.delete(runId);
    };
  }

  /** Calls `listener` after each reconnection (notifications may have been missed). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Announces a payload on a channel to every instance (this one included). */
  async notify(channel: string, payload: string): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('Run notifications are not connected');
    await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Closes the connection, which also releases the owner lock. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined; // first, so its 'end' event is not taken for a lost connection
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.location.url,
      application_name: 'agent-server-listen',
    });
    const lost = (reason: string) => {
      if (this.client !== client) return;
      this.logger.warn(`Run notification connection lost (${reason}); reconnecting`);
      this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('notification', (message) => this.dispatch(message));
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('ended'));
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1::bigint)', [this.ownerKey]);
      await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}; LISTEN ${RUN_CANCEL_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    const reconnected = this.connectedBefore;
    this.connectedBefore = true;
    this.client = client;
    if (reconnected) for (const listener of [...this.reconnectListeners]) listener();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) => {
        this.logger.warn(`Run notification reconnect failed: ${String(error)}`);
        this.scheduleReconnect();
      });
    }, 1000);
    this.reconnectTimer.unref();
  }

  private dispatch(message: Notification): void {
    const payload = message.payload ?? '';
    const runId = payload.split(':', 1)[0];
    const set = this.listeners.get(message.channel)?.get(runId);
    if (!set) return;
    for (const listener of [...set]) listener(payload);
  }
}

function randomOwnerKey(): string {
  const key = BigInt.asUintN(62, randomBytes(8).readBigUInt64BE());
  return String(key === 0n ? 1n : key);
}
