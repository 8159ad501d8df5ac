/**
 * The conditions the benchmark compares. Each is one way of running the same prompt:
 * without the expert, with execution only, with generated tests, or with the task's
 * visible examples as tests.
 */
import { InvalidArgumentError } from '../errors';

/** A condition's name as written on the command line and in records. */
export type BenchCondition = 'model-only' | 'expert' | 'expert+tests' | 'expert+examples' | 'rewind-repair' | 'best-of-n' | 'best-of-n+repair';

/** What each condition means, for help texts and the report. */
export const BENCH_CONDITIONS: Readonly<Record<BenchCondition, string>> = Object.freeze({
  'model-only': 'expert off: the model answers alone',
  expert: 'compiler expert, execution only (no tests)',
  'expert+tests': 'compiler expert with generated tests (and asserts found in the prompt)',
  'expert+examples': "compiler expert running the task's visible examples as tests (strategy repair)",
  'rewind-repair': 'visible examples as tests; a failing block is rewound out of the cache and rewritten after a short hint (strategy rewind-repair)',
  'best-of-n': 'greedy and sampled candidates (forked, batched) judged on the visible examples, compared on probe inputs nudged from them; the one passing most with the most agreeing candidates kept',
  'best-of-n+repair': 'best-of-n, then the repair loop on the chosen candidate when none passed every visible example',
});

/** Every condition, in report order. */
export const ALL_CONDITIONS: readonly BenchCondition[] = Object.keys(BENCH_CONDITIONS) as BenchCondition[];

/** What `bench` runs when no condition is named: the baselines, the repair loop, and the best measured strategy. */
export const DEFAULT_CONDITIONS: readonly BenchCondition[] = ['model-only', 'expert', 'expert+tests', 'expert+examples', 'best-of-n'];

/** Conditions that search over several candidates (their records carry `oracle`). */
export const SEARCH_CONDITIONS: readonly BenchCondition[] = ['best-of-n', 'best-of-n+repair'];

/** Conditions whose experts run the task's visible examples as caller tests. */
export const EXAMPLE_CONDITIONS: readonly BenchCondition[] = ['expert+examples', 'rewind-repair', ...SEARCH_CONDITIONS];

/** Parses `a,b,c` into conditions; throws on an unknown name. */
export function parseConditions(list: string | undefined): BenchCondition[] {
  if (list === undefined || list.trim() === '') return [...DEFAULT_CONDITIONS];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(n in BENCH_CONDITIONS)) throw new InvalidArgumentError(`unknown condition '${n}' (known: ${ALL_CONDITIONS.join(', ')})`);
  }
  return [...new Set(names)] as BenchCondition[];
}
