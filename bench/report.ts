import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { round } from './lib/stats';

/** A goal a figure is checked against. */
export interface Goal {
  op: '<' | '<=' | '>=' | '==';
  value: number;
}

/** One row of the results table. */
export interface Figure {
  group: string;
  name: string;
  unit: string;
  measured: number;
  baseline?: number;
  goal?: Goal;
  /** A short remark shown after the figure's name: how it was measured, what bounds it. */
  note?: string;
  /** False when measured/baseline means nothing (a slope near zero): no ratio is shown. */
  ratio?: false;
}

/** A figure with its verdict and ratio, as written to JSON. */
export interface ScoredFigure extends Omit<Figure, 'ratio'> {
  ratio?: number;
  pass?: boolean;
}

/** A scenario that could not run, or ran into errors. */
export interface Failure {
  scenario: string;
  message: string;
}

/** The whole result of a run, written as JSON. */
export interface BenchReport {
  meta: Record<string, unknown>;
  figures: ScoredFigure[];
  /** Further Markdown tables (memory per 1,000 requests), printed after the main one. */
  tables: string[];
  details: Record<string, unknown>;
  failures: Failure[];
  profiles: unknown[];
}

export function score(figure: Figure): ScoredFigure {
  const ratio =
    figure.ratio !== false &&
    figure.baseline !== undefined &&
    Number.isFinite(figure.baseline) &&
    figure.baseline > 0 &&
    Number.isFinite(figure.measured)
      ? round(figure.measured / figure.baseline, 2)
      : undefined;
  let pass: boolean | undefined;
  if (figure.goal) {
    const { op, value } = figure.goal;
    const m = figure.measured;
    pass = Number.isFinite(m)
      ? op === '<'
        ? m < value
        : op === '<='
          ? m <= value
          : op === '>='
            ? m >= value
            : m === value
      : false;
  }
  return { ...figure, ratio, pass };
}

function formatNumber(value: number | undefined, unit: string): string {
  if (value === undefined) return '—';
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });
  return unit ? `${text} ${unit}` : text;
}

/** The Markdown table: figure, goal, measured, baseline, ratio, pass/fail. */
export function renderTable(figures: readonly ScoredFigure[]): string {
  const lines = [
    '| group | figure | goal | measured | baseline | ratio | result |',
    '| ----- | ------ | ---- | -------: | -------: | ----: | :----: |',
  ];
  for (const f of figures) {
    const goal = f.goal ? `${f.goal.op} ${formatNumber(f.goal.value, f.unit)}` : '';
    const result = f.pass === undefined ? '' : f.pass ? 'pass' : '**FAIL**';
    const name = f.note ? `${f.name} (${f.note})` : f.name;
    lines.push(
      `| ${f.group} | ${name} | ${goal} | ${formatNumber(f.measured, f.unit)} | ${
        f.baseline === undefined ? '' : formatNumber(f.baseline, f.unit)
      } | ${f.ratio === undefined ? '' : `${f.ratio}×`} | ${result} |`,
    );
  }
  return lines.join('\n');
}

/** Writes `bench/results/<timestamp>.json` and `latest.json`; returns the timestamped path. */
export function writeReport(resultsDir: string, report: BenchReport): string {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `${stamp}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(join(resultsDir, 'latest.json'), text);
  return file;
}
