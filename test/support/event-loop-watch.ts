import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Linux's scheduler statistics of the main thread: "<ns on CPU> <ns waiting to run> <slices>". */
const MAIN_THREAD_SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/**
 * CPU time the main thread (the event loop) has used so far, in milliseconds. Where Linux's
 * scheduler statistics are missing, the whole process's, which also counts the garbage
 * collector's and the compiler's helper threads.
 */
function cpuMs(): number {
  try {
    return Number(readFileSync(MAIN_THREAD_SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
}

/** A stretch of time (performance.now() milliseconds) and the main thread's CPU during it. */
interface Span {
  start: number;
  end: number;
  cpu: number;
}

/**
 * The garbage collector's pauses: they stop the event loop whatever the code does, and on a
 * loaded machine a young-generation collection that takes 2 ms alone took up to 100 ms.
 */
class GcPauses {
  private readonly pauses: Array<{ start: number; end: number }> = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Milliseconds of pauses within the span. */
  within(span: { start: number; end: number }): number {
    let total = 0;
    for (const pause of this.pauses) {
      total += Math.max(0, Math.min(pause.end, span.end) - Math.max(pause.start, span.start));
    }
    return total;
  }

  /** The longest pause within the span. */
  longestWithin(span: { start: number; end: number }): number {
    return this.pauses
      .filter((pause) => pause.end > span.start && pause.start < span.end)
      .reduce((longest, pause) => Math.max(longest, pause.end - pause.start), 0);
  }

  stop(): void {
    this.observer.disconnect();
  }
}

/**
 * How long work held the event loop during the span: neither more than the wall time outside
 * garbage collection, nor more than the CPU the main thread used. A span in which the thread
 * waited for the CPU (the OS ran other processes) or for the collector does not count.
 */
function busyMs(span: Span, gc: GcPauses): number {
  return Math.max(0, Math.min(span.end - span.start - gc.within(span), span.cpu));
}

/** How often {@link EventLoopWatch} looks. */
const TICK_MS = 5;
/** Gaps shorter than this are not kept (they cannot matter). */
const KEPT_GAP_MS = 10;

/** What {@link EventLoopWatch} saw in a window. */
export interface LoopStalls {
  /** The longest time one gap between two ticks held the loop with work (see {@link busyMs}). */
  maxBusyMs: number;
  /** The longest gap between two ticks on the wall clock: includes the OS and the collector. */
  maxGapMs: number;
  /** Node's own event-loop delay monitor: the largest delay it measured, in ms. */
  maxDelayMs: number;
  /** The longest garbage collection pause. */
  maxGcMs: number;
}

/**
 * Watches the event loop of this process, where e2e tests run the app: a timer ticks every few
 * milliseconds, and each gap between two ticks is measured on the wall clock and in the main
 * thread's CPU time, less the garbage collector's pauses. A gap during which the thread ran code
 * the whole time is a blocked loop; a gap during which it waited for the CPU was the OS running
 * something else, as on a loaded machine. So `maxBusyMs` is how long work held the loop, and a
 * busy machine does not inflate it.
 */
export class EventLoopWatch {
  private timer?: NodeJS.Timeout;
  private last = { wall: 0, cpu: 0 };
  private windowStart = 0;
  private gaps: Span[] = [];
  private maxGapMs = 0;
  private readonly delays = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly gc = new GcPauses()) {}

  /** Starts watching (a new window). */
  start(): void {
    this.reset();
    this.delays.enable();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** What was seen since the start or the last call, and starts a new window. */
  async take(): Promise<LoopStalls> {
    this.tick();
    // The collector's entries arrive in a later turn of the loop.
    await nextTurn();
    const window = { start: this.windowStart, end: performance.now() };
    const stalls: LoopStalls = {
      maxBusyMs: Math.max(0, ...this.gaps.map((gap) => busyMs(gap, this.gc))),
      maxGapMs: this.maxGapMs,
      maxDelayMs: this.delays.max / 1e6,
      maxGcMs: this.gc.longestWithin(window),
    };
    this.reset();
    return stalls;
  }

  /** Stops watching. */
  stop(): void {
    clearInterval(this.timer);
    this.delays.disable();
    this.gc.stop();
  }

  private reset(): void {
    this.gaps = [];
    this.maxGapMs = 0;
    this.delays.reset();
    this.windowStart = performance.now();
    this.last = { wall: this.windowStart, cpu: cpuMs() };
  }

  private tick(): void {
    const now = { wall: performance.now(), cpu: cpuMs() };
    const gap = now.wall - this.last.wall;
    this.maxGapMs = Math.max(this.maxGapMs, gap);
    if (gap >= KEPT_GAP_MS) {
      this.gaps.push({ start: this.last.wall, end: now.wall, cpu: now.cpu - this.last.cpu });
    }
    this.last = now;
  }
}

/** One answer of {@link HealthPoller}. */
export interface HealthAnswer {
  status: number;
  wallMs: number;
  /** How long work held the loop while the answer was awaited (see {@link busyMs}). */
  busyMs: number;
}

/**
 * Asks `GET /health` over a new connection each time, one request after the other, until stopped:
 * a client that is not part of the work under test, as a load balancer's probe is.
 */
export class HealthPoller {
  private readonly spans: Array<Span & { status: number }> = [];
  private running = true;
  private readonly done: Promise<void>;
  private readonly gc = new GcPauses();

  constructor(private readonly baseUrl: string) {
    this.done = this.loop();
  }

  /** Stops polling and gives every answer. */
  async stop(): Promise<HealthAnswer[]> {
    this.running = false;
    await this.done;
    await nextTurn();
    this.gc.stop();
    return this.spans.map((span) => ({
      status: span.status,
      wallMs: span.end - span.start,
      busyMs: busyMs(span, this.gc),
    }));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const start = performance.now();
      const cpu = cpuMs();
      const status = await this.ask();
      this.spans.push({ start, end: performance.now(), cpu: cpuMs() - cpu, status });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  private ask(): Promise<number> {
    return new Promise((resolve) => {
      const req = get(`${this.baseUrl}/health`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
    });
  }
}
