import { ALL_CONDITIONS } from './BenchCondition';
import { approachOf, summarize, summarizeByApproach, type BenchSummary } from './summarize';
import { TASK_KINDS, type BenchRecord } from './types';
import { wilson, type Proportion } from './wilson';

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Heading. Defaults to `Compiler expert benchmark`. */
  title?: string;
  /** A paragraph under the heading (what was run, on which model). Defaults to none. */
  note?: string;
  /** File name of the SVG chart to link (written next to the report). Defaults to none. */
  chartFile?: string;
  /** Broken-by-feedback cases listed with their transcripts. Defaults to {@link DEFAULT_MAX_REGRESSIONS}. */
  maxRegressions?: number;
}

/** Regressions listed in a report: each carries a whole transcript, so a few suffice. */
export const DEFAULT_MAX_REGRESSIONS = 5;

/** `83% (5/6, 44–97)`: rate, counts and the 95% Wilson interval; `n/a` when n is 0. */
export function formatProportion(p: Proportion): string {
  if (p.n === 0) return 'n/a';
  const pct = (v: number) => Math.round(v * 100);
  return `${pct(p.rate)}% (${p.k}/${p.n}, ${pct(p.low)}–${pct(p.high)})`;
}

/** Approaches in the order the conditions are defined, then any others by name. */
export function orderSummaries(summaries: BenchSummary[]): BenchSummary[] {
  const rank = (label: string) => {
    const i = ALL_CONDITIONS.indexOf(label.split(' ')[0] as (typeof ALL_CONDITIONS)[number]);
    return i < 0 ? ALL_CONDITIONS.length : i;
  };
  return [...summaries].sort((a, b) => rank(a.label) - rank(b.label) || a.label.localeCompare(b.label));
}

/** The Markdown report: the headline table, per-kind and per-language pass@1, the chart, the worst regressions. */
export function renderReport(records: readonly BenchRecord[], options: ReportOptions = {}): string {
  const out: string[] = [];
  const summaries = orderSummaries(summarizeByApproach(records));
  const taskCount = new Set(records.map((r) => r.taskId)).size;
  out.push(`# ${options.title ?? 'Compiler expert benchmark'}`, '');
  if (options.note) out.push(options.note, '');
  out.push(`${taskCount} tasks, ${records.length} (task, approach) results. Cells: rate (k/n, 95% Wilson interval). Metric definitions: lib/bench/README.md.`, '');
  out.push('| Approach | Syntax Valid | Semantically Correct | Self-Corrects | Broken by feedback | Coherent | Tokens (gen/inj) | Expert calls | Wall s |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    out.push(`| ${s.label} | ${formatProportion(s.syntaxValid)} | ${formatProportion(s.correct)} | ${formatProportion(s.selfCorrected)} | ${formatProportion(s.brokenByFeedback)} | ${formatProportion(s.coherent)} | ${s.meanGeneratedTokens.toFixed(0)}/${s.meanInjectedTokens.toFixed(0)} | ${s.meanExpertCalls.toFixed(2)} | ${(s.meanWallMs / 1000).toFixed(1)} |`);
  }
  out.push('');
  if (options.chartFile) out.push(`![metrics per approach](${options.chartFile})`, '');

  // Strategies at their cost, against the greedy model-only answer on the same tasks.
  const modelOnly = records.filter((r) => r.condition === 'model-only');
  const baseline = new Map(modelOnly.map((r) => [r.taskId, r.final.passed]));
  const baselineWall = new Map(modelOnly.map((r) => [r.taskId, r.wallMs]));
  out.push('## Strategies at cost', '');
  out.push('Oracle pass@k: some candidate passes the hidden tests (the ceiling of any selection). Selection: the chosen one passes, given that some candidate does. Broken vs model-only: tasks the greedy model-only answer solved that this approach fails. Wall vs model-only: the median over tasks of this approach\'s wall time over model-only\'s on the same task (robust to a few tasks timed beside other work).', '');
  out.push('| Approach | pass@1 | Oracle pass@k | Selection | Candidates | Broken vs model-only | Tokens gen | Wall s (mean / median) | Wall vs model-only |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    const group = records.filter((r) => approachOf(r) === s.label);
    const compared = group.filter((r) => baseline.get(r.taskId) === true);
    const broken = wilson(compared.filter((r) => !r.final.passed).length, compared.length);
    const searched = group.filter((r) => r.oracle);
    const oracle = searched.length ? formatProportion(wilson(searched.filter((r) => r.oracle!.passed > 0).length, searched.length)) : '–';
    const reachable = searched.filter((r) => r.oracle!.passed > 0);
    const selection = searched.length ? formatProportion(wilson(reachable.filter((r) => r.final.passed).length, reachable.length)) : '–';
    const candidates = searched.length ? (searched.reduce((a, r) => a + r.oracle!.candidates, 0) / searched.length).toFixed(1) : '1';
    const ratios = group.flatMap((r) => {
      const base = baselineWall.get(r.taskId);
      return base ? [r.wallMs / base] : [];
    });
    const wall = `${(s.meanWallMs / 1000).toFixed(1)} / ${(median(group.map((r) => r.wallMs)) / 1000).toFixed(1)}`;
    const ratio = ratios.length ? `${median(ratios).toFixed(2)}×` : '–';
    out.push(`| ${s.label} | ${formatProportion(s.correct)} | ${oracle} | ${selection} | ${candidates} | ${baseline.size ? formatProportion(broken) : '–'} | ${s.meanGeneratedTokens.toFixed(0)} | ${wall} | ${ratio} |`);
  }
  out.push('');
  // Where the search put another candidate in the greedy one's place, and what that did.
  const replacing = records.filter((r) => r.oracle?.chosen !== undefined && r.oracle.greedyPassed !== undefined);
  if (replacing.length) {
    out.push('Replaced the greedy answer (the chosen candidate is not the greedy one), on the hidden tests:', '');
    out.push('| Approach | Searched | Replaced | Fixed (greedy failed, chosen passes) | Broke (greedy passed, chosen fails) | Neither |');
    out.push('|---|---|---|---|---|---|');
    for (const s of summaries) {
      const group = replacing.filter((r) => approachOf(r) === s.label);
      if (!group.length) continue;
      const replaced = group.filter((r) => r.oracle!.chosen !== 0);
      const fixed = replaced.filter((r) => !r.oracle!.greedyPassed && r.first?.passed === true).length;
      const broke = replaced.filter((r) => r.oracle!.greedyPassed && r.first?.passed !== true).length;
      out.push(`| ${s.label} | ${group.length} | ${replaced.length} | ${fixed} | ${broke} | ${replaced.length - fixed - broke} |`);
    }
    out.push('');
  }

  const breakdown = (heading: string, keys: readonly string[], keyOf: (r: BenchRecord) => string) => {
    const present = keys.filter((k) => records.some((r) => keyOf(r) === k));
    if (!present.length) return;
    out.push(`## ${heading}`, '', `| Approach | ${present.join(' | ')} |`, `|---|${present.map(() => '---|').join('')}`);
    for (const s of summaries) {
      const cells = present.map((k) => formatProportion(summarize(k, records.filter((r) => approachOf(r) === s.label && keyOf(r) === k)).correct));
      out.push(`| ${s.label} | ${cells.join(' | ')} |`);
    }
    out.push('');
  };
  breakdown('Semantically correct (pass@1) per kind', TASK_KINDS, (r) => r.kind);
  breakdown('Semantically correct (pass@1) per language', ['python', 'javascript', 'typescript'], (r) => r.language);

  // Which failures feedback repairs: by how the first block failed the hidden tests.
  const firstFailures = records.filter((r) => r.first && !r.first.passed && r.first.failure);
  if (firstFailures.length) {
    const types = [...new Set(firstFailures.map((r) => r.first!.failure!))].sort();
    out.push('## Repair rate by how the first block failed', '', 'Final block passes the hidden tests, among answers whose first block failed them this way.', '');
    out.push(`| Approach | ${types.join(' | ')} |`, `|---|${types.map(() => '---|').join('')}`);
    for (const s of summaries) {
      const group = firstFailures.filter((r) => approachOf(r) === s.label);
      out.push(`| ${s.label} | ${types.map((ty) => {
        const g = group.filter((r) => r.first!.failure === ty);
        return g.length ? `${g.filter((r) => r.final.passed).length}/${g.length}` : '–';
      }).join(' | ')} |`);
    }
    out.push('');
  }

  // Which rule an incoherent answer broke tells a loop from an echo from a budget cut.
  const rules = ['stopped', 'noLoop', 'noEcho', 'finalCode'] as const;
  out.push('## Coherence: answers failing each rule', '', '| Approach | not stopped | loop | echo | no final code |', '|---|---|---|---|---|');
  for (const s of summaries) {
    const group = records.filter((r) => approachOf(r) === s.label);
    out.push(`| ${s.label} | ${rules.map((rule) => `${group.filter((r) => !r.coherence[rule]).length}/${group.length}`).join(' | ')} |`);
  }
  out.push('');

  const broken = records
    .filter((r) => r.brokenByFeedback)
    .sort((a, b) => a.final.testsPassed / Math.max(1, a.final.testsTotal) - b.final.testsPassed / Math.max(1, b.final.testsTotal));
  out.push('## Worst regressions (first block passed, final block fails)', '');
  if (!broken.length) out.push('None.', '');
  for (const r of broken.slice(0, options.maxRegressions ?? DEFAULT_MAX_REGRESSIONS)) {
    out.push(`### ${r.taskId} — ${approachOf(r)}`, '');
    out.push(`Final block: ${r.final.status}, ${r.final.testsPassed}/${r.final.testsTotal} hidden tests; finish: ${r.finish}; expert calls: ${r.expertCalls}.`, '');
    out.push('<details><summary>transcript</summary>', '', '`````text', r.transcript, '`````', '', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
