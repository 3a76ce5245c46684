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
 * One LISTEN connection per process for run notifications from every instance: new events of a
 * run (followers wake up and read them from `run_events`) and cancel requests (the owner aborts).
 * The connection is re-opened after a failure; followers also poll slowly, so a notification lost
 * while it was down delays them by at most one poll, never loses events.
 */
@Injectable()
export class RunNotificationsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RunNotifications');
  private readonly listeners = new Map<string, Map<string, Set<Listener>>>([
    [RUN_EVENTS_CHANNEL, new Map()],
    [RUN_CANCEL_CHANNEL, new Map()],
  ]);
  private client?: Client;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(@Inject(DATABASE_LOCATION) private readonly location: DatabaseLocation) {}

  /** Opens the LISTEN connection. */
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
      if (set.size === 0) byRun.delete(runId);
    };
  }

  /** Announces a payload on a channel to every instance (this one included). */
  async notify(channel: string, payload: string): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('Run notifications are not connected');
    await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Closes the connection. */
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
      this.logger.warn(`LISTEN connection lost (${reason}); reconnecting`);
      this.client = undefined;
      client.removeAllListeners();
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('notification', (message) => this.dispatch(message));
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('ended'));
    await client.connect();
    await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}; LISTEN ${RUN_CANCEL_CHANNEL}`);
    this.client = client;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) => {
        this.logger.warn(`LISTEN reconnect failed: ${String(error)}`);
        this.scheduleReconnect();
      });
    }, 1000);
  }

  private dispatch(message: Notification): void {
    const payload = message.payload ?? '';
    const runId = payload.split(':', 1)[0];
    const set = this.listeners.get(message.channel)?.get(runId);
    if (!set) return;
    for (const listener of [...set]) listener(payload);
  }
}
