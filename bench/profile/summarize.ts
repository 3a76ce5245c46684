/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per package
 * within a time window, so that start-up (module loading, the tokenizer's tables) does not drown
 * the load being investigated.
 *
 * CLI: ts-node --swc bench/profile/summarize.ts <file.cpuprofile> [--top 25] [--from µs --to µs]
 * (`--from`/`--to` on the monotonic clock the profile is stamped with, as the runner records them).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  /** Share of the busy (non-idle) time of the window, in percent. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  windowMs: number;
  busyMs: number;
  /** Share of the window the main thread was idle (waiting on I/O), in percent. */
  idleShare: number;
  gcShare: number;
  functions: SelfTime[];
  packages: SelfTime[];
  /**
   * Total (inclusive) time of the app's and its dependencies' functions: where a request's time
   * goes through (a TypeORM query builder, the logging middleware), which self time scatters over
   * many small callees. Node's internals and anonymous frames are left out.
   */
  inclusive: SelfTime[];
}

const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** `~pkg/file.js:line` for dependencies, `app:file.js:line` for the app's own code. */
function where(url: string, line: number): string {
  const path = url.replace(/^file:\/\//, '');
  const dep = /node_modules\/(.*)$/.exec(path);
  if (dep) return `${dep[1]}:${line + 1}`;
  if (path.includes('/dist/'))
    return `app:${path.slice(path.lastIndexOf('/dist/') + 6)}:${line + 1}`;
  if (path.startsWith('node:')) return `${path}:${line + 1}`;
  return path ? `${relative(process.cwd(), path)}:${line + 1}` : '';
}

/** Package, or the app, or Node's own internals, a frame belongs to. */
function owner(url: string, functionName: string): string {
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1];
  if (url.includes('/dist/')) return 'app (dist/)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (!url) return META.has(functionName) ? functionName : '(native)';
  return url;
}

function top(map: Map<string, number>, busyMs: number, count: number): SelfTime[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({
      name,
      ms: Math.round(ms),
      share: Math.round((ms / busyMs) * 1000) / 10,
    }));
}

/**
 * Frames that call Express's `next()`: middleware and the router. Each one's total includes every
 * middleware and handler after it, so totals would only restate the chain's order; they are left
 * out of the inclusive list.
 */
function middlewareFrames(nodes: CpuProfileNode[], parents: Map<number, number>): Set<string> {
  const frames = new Set<string>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of nodes) {
    const cf = n.callFrame;
    if (cf.functionName !== 'next' || !/node_modules\/(router|express)\//.test(cf.url)) continue;
    for (let id = parents.get(n.id); id !== undefined; id = parents.get(id)) {
      const f = byId.get(id)!.callFrame;
      frames.add(`${f.functionName} ${where(f.url, f.lineNumber)}`);
    }
  }
  return frames;
}

/** Self time per function and per package over [fromMicros, toMicros] (the whole profile by default). */
export function summarizeProfile(
  file: string,
  options: { fromMicros?: number; toMicros?: number; top?: number } = {},
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const from = options.fromMicros ?? profile.startTime;
  const to = options.toMicros ?? profile.endTime;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const byFrame = new Map<string, number>();
  const chain = middlewareFrames(profile.nodes, parents);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let windowMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  // timeDeltas[i] is the gap before sample i: the time sample i stands for is the next gap.
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < from || t > to) continue;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = nodes.get(profile.samples[i])?.callFrame;
    if (!frame) continue;
    windowMs += ms;
    const fn = frame.functionName || '(anonymous)';
    if (fn === '(idle)') {
      idleMs += ms;
      continue;
    }
    if (fn === '(garbage collector)') gcMs += ms;
    const key = META.has(fn) ? fn : `${fn} ${where(frame.url, frame.lineNumber)}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    const pkg = owner(frame.url, fn);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    // Inclusive: every distinct frame on this sample's stack (recursion counted once).
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parents.get(id)) {
      const cf = nodes.get(id)?.callFrame;
      if (!cf?.functionName || !/node_modules\/|\/dist\//.test(cf.url)) continue;
      const name = `${cf.functionName} ${where(cf.url, cf.lineNumber)}`;
      if (seen.has(name) || chain.has(name)) continue;
      seen.add(name);
      byFrame.set(name, (byFrame.get(name) ?? 0) + ms);
    }
  }
  const busyMs = Math.max(windowMs - idleMs, 1e-9);
  const count = options.top ?? 25;
  return {
    file,
    windowMs: Math.round(windowMs),
    busyMs: Math.round(busyMs),
    idleShare: Math.round((idleMs / Math.max(windowMs, 1e-9)) * 1000) / 10,
    gcShare: Math.round((gcMs / busyMs) * 1000) / 10,
    functions: top(byFunction, busyMs, count),
    packages: top(byPackage, busyMs, 15),
    inclusive: top(byFrame, busyMs, count),
  };
}

/** A node of a V8 sampling heap profile (`HeapProfiler.stopSampling`). */
interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

/** Live memory by allocating function and package, from a sampling heap profile. */
export interface HeapSummary {
  totalMb: number;
  functions: Array<{ name: string; kib: number; share: number }>;
  packages: Array<{ name: string; kib: number; share: number }>;
}

/**
 * Summarises a sampling heap profile taken while streams were open: the sampled objects still
 * alive when sampling stopped, by the function that allocated them (self size) and its package.
 */
export function summarizeHeapProfile(head: HeapProfileNode, count = 20): HeapSummary {
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapProfileNode) => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const fn = functionName || '(anonymous)';
      const key = `${fn} ${where(url, lineNumber)}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      const pkg = owner(url, fn);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) visit(child);
  };
  visit(head);
  const rows = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, bytes]) => ({
        name,
        kib: Math.round(bytes / 1024),
        share: Math.round((bytes / Math.max(total, 1)) * 1000) / 10,
      }));
  return {
    totalMb: Math.round((total / 1024 / 1024) * 10) / 10,
    functions: rows(byFunction, count),
    packages: rows(byPackage, 12),
  };
}

/** Markdown for a heap summary. */
export function renderHeapSummary(title: string, s: HeapSummary): string {
  const rows = (items: HeapSummary['functions']) =>
    items.map((f) => `| ${f.share.toFixed(1)}% | ${f.kib} | \`${f.name}\` |`).join('\n');
  return [
    `#### ${title}`,
    '',
    `Sampled live heap: ${s.totalMb} MB, by allocating function (self) and package.`,
    '',
    '| share | KiB | function |',
    '| ----: | --: | -------- |',
    rows(s.functions),
    '',
    '| share | KiB | package |',
    '| ----: | --: | ------- |',
    rows(s.packages),
    '',
  ].join('\n');
}

/** Markdown for a summary. */
export function renderSummary(title: string, s: ProfileSummary): string {
  const rows = (items: SelfTime[]) =>
    items.map((f) => `| ${f.share.toFixed(1)}% | ${f.ms} | \`${f.name}\` |`).join('\n');
  return [
    `#### ${title}`,
    '',
    `${s.file}: ${s.windowMs} ms window, main thread busy ${s.busyMs} ms (idle ${s.idleShare}%), ` +
      `GC ${s.gcShare}% of busy time. Shares are of busy time.`,
    '',
    '| self | ms | function |',
    '| ---: | -: | -------- |',
    rows(s.functions),
    '',
    '| self | ms | package |',
    '| ---: | -: | ------- |',
    rows(s.packages),
    '',
    '| total | ms | function (with its callees; app and dependencies only) |',
    '| ----: | -: | ------------------------------------------------------ |',
    rows(s.inclusive),
    '',
  ].join('\n');
}

if (require.main === module) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: summarize.ts <file.cpuprofile> [--top N] [--from µs --to µs]\n');
    process.exit(2);
  }
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? Number(rest[i + 1]) : undefined;
  };
  const summary = summarizeProfile(file, {
    top: flag('--top'),
    fromMicros: flag('--from'),
    toMicros: flag('--to'),
  });
  process.stdout.write(renderSummary('CPU profile', summary));
}
