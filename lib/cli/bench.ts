import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseConditions } from '../bench/BenchCondition';
import { GeneratorAnswerSource } from '../bench/GeneratorAnswerSource';
import { loadHumanEval } from '../bench/loadHumanEval';
import { loadRouter, type RouterChoice } from '../bench/loadRouter';
import { resolveHumanEvalPath } from '../bench/publicSets';
import { DEFAULT_SUITE_DIR, loadSuite } from '../bench/loadSuite';
import { renderChart } from '../bench/renderChart';
import { orderSummaries, renderReport } from '../bench/renderReport';
import { readRecords } from '../bench/resultsFile';
import { runBench } from '../bench/runBench';
import { parseShard, selectTasks } from '../bench/selectTasks';
import { summarizeByApproach } from '../bench/summarize';
import { Sandbox } from '../sandbox/Sandbox';
import { intFlag, parseArgs, stringFlag } from './args';
import { loadWithProgress } from './loadWithProgress';
import { progressBar } from './progress';

export const BENCH_USAGE = `usage: compiler-expert bench [--model NAME|PATH] [--suite FILE|DIR] [--humaneval FILE.jsonl|openai]
                       [--conditions model-only,expert,expert+tests,expert+examples,best-of-n,best-of-n+repair]
                       [--strategy model-only,repair,rewind-repair,best-of-n,best-of-n+repair] [--samples N]
                       [--limit N] [--shard i/n] [--out results.jsonl]
                       [--max-tokens N] [--max-rounds N] [--router heuristic|probe] [--probe default|FILE]
       compiler-expert bench report results*.jsonl [--out report.md] [--title TEXT] [--note TEXT]`;

/** Default results file of a run. */
export const DEFAULT_RESULTS_FILE = 'results.jsonl';
/** Default report file; the chart is written next to it with the extension `.svg`. */
export const DEFAULT_REPORT_FILE = 'report.md';

/** `bench`: runs the suite under the chosen conditions (resumable), or `bench report`: merges results into a report. */
export async function benchCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model', 'suite', 'humaneval', 'conditions', 'strategy', 'samples', 'limit', 'shard', 'out', 'max-tokens', 'max-rounds', 'router', 'probe', 'title', 'note']);
  if (args.flags.get('help') === true) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  if (args.positional[0] === 'report') return report(args.positional.slice(1), args);
  if (args.positional.length) {
    process.stderr.write(`${BENCH_USAGE}\n`);
    return 2;
  }
  return run(args);
}

async function run(args: ReturnType<typeof parseArgs>): Promise<number> {
  // --strategy names the same conditions by strategy: repair is the seed's loop with the
  // visible examples as tests (expert+examples).
  const strategies = stringFlag(args, 'strategy');
  const conditions = parseConditions(strategies !== undefined ? strategies.split(',').map((x) => (x.trim() === 'repair' ? 'expert+examples' : x.trim())).join(',') : stringFlag(args, 'conditions'));
  const humaneval = stringFlag(args, 'humaneval');
  const suite = humaneval ? await loadHumanEval(await resolveHumanEvalPath(humaneval)) : await loadSuite(stringFlag(args, 'suite') ?? DEFAULT_SUITE_DIR);
  const shardText = stringFlag(args, 'shard');
  const tasks = selectTasks(suite, {
    limit: args.flags.has('limit') ? intFlag(args, 'limit', suite.length) : undefined,
    shard: shardText ? parseShard(shardText) : undefined,
  });
  const routerChoice = (stringFlag(args, 'router') ?? 'heuristic') as RouterChoice;
  if (routerChoice !== 'heuristic' && routerChoice !== 'probe') throw new Error(`--router must be heuristic or probe, got '${routerChoice}'`);
  if (routerChoice === 'probe' && !stringFlag(args, 'probe')) throw new Error('--router probe needs --probe default|FILE');
  const out = stringFlag(args, 'out') ?? DEFAULT_RESULTS_FILE;
  process.stderr.write(`bench: ${tasks.length} tasks × ${conditions.length} conditions (${conditions.join(', ')}) → ${out}\n`);

  const model = await loadWithProgress(stringFlag(args, 'model'));
  const loaded = await loadRouter(routerChoice, model, stringFlag(args, 'probe'));
  if (loaded.skipped) {
    process.stderr.write(`bench: skipping the probe router: ${loaded.skipped}\n`);
    model.dispose();
    return 0;
  }
  const sandbox = await Sandbox.create();
  const source = new GeneratorAnswerSource(model, {
    sandbox,
    router: loaded.router,
    maxTokens: args.flags.has('max-tokens') ? intFlag(args, 'max-tokens', 0) : undefined,
    maxRounds: args.flags.has('max-rounds') ? intFlag(args, 'max-rounds', 0) : undefined,
    bestOfN: args.flags.has('samples') ? { samples: intFlag(args, 'samples', 4, 0) } : undefined,
  });
  const bar = progressBar('bench');
  try {
    const result = await runBench({
      tasks, conditions, source, runner: sandbox, out, router: routerChoice,
      onProgress: (done, total, record) =>
        bar(done / total, `${done}/${total}${record ? ` ${record.taskId} ${record.condition}: ${record.final.passed ? 'pass' : record.final.status}` : ''}`),
    });
    process.stderr.write(`bench: ${result.written.length} results written, ${result.skipped} already in ${out}\n`);
    return 0;
  } finally {
    await source.dispose();
    await sandbox.dispose();
    model.dispose();
  }
}

async function report(files: string[], args: ReturnType<typeof parseArgs>): Promise<number> {
  if (!files.length) {
    process.stderr.write(`${BENCH_USAGE}\n`);
    return 2;
  }
  const missing: string[] = [];
  for (const f of files) {
    await fs.access(f).catch(() => missing.push(f));
  }
  if (missing.length) {
    process.stderr.write(`bench report: no such file: ${missing.join(', ')}\n`);
    return 2;
  }
  const records = await readRecords(files);
  const out = stringFlag(args, 'out') ?? DEFAULT_REPORT_FILE;
  const chartPath = out.replace(/\.md$/, '') + '.svg';
  const title = stringFlag(args, 'title') ?? 'Compiler expert benchmark';
  await fs.writeFile(chartPath, renderChart(orderSummaries(summarizeByApproach(records)), title));
  await fs.writeFile(out, renderReport(records, { title, note: stringFlag(args, 'note'), chartFile: path.basename(chartPath) }));
  process.stderr.write(`bench report: ${records.length} results from ${files.length} file(s) → ${out}, ${chartPath}\n`);
  return 0;
}
