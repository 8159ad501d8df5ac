import { InvalidArgumentError } from '../errors';
import type { BenchTask } from './types';

/** One of `count` disjoint parts of a run; `index` counts from 1 (`--shard 2/4`). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`--shard must be i/n with 1 <= i <= n, got '${text}'`);
  return { index, count };
}

/**
 * The tasks a run covers. `limit` takes a stratified sample: round-robin over the
 * (kind, language) groups in suite order, so `--limit 6` covers every kind rather than
 * the first six function tasks. The shard then takes every n-th task of that list,
 * so shards are disjoint and together cover it exactly.
 */
export function selectTasks(tasks: readonly BenchTask[], options: { limit?: number; shard?: Shard } = {}): BenchTask[] {
  let chosen = [...tasks];
  if (options.limit !== undefined && options.limit < chosen.length) {
    const groups = new Map<string, BenchTask[]>();
    for (const t of tasks) {
      const key = `${t.kind}/${t.language}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(t);
    }
    const queues = [...groups.values()];
    chosen = [];
    for (let i = 0; chosen.length < options.limit; i++) {
      for (const q of queues) if (i < q.length && chosen.length < options.limit) chosen.push(q[i]);
    }
  }
  const { shard } = options;
  return shard ? chosen.filter((_, i) => i % shard.count === shard.index - 1) : chosen;
}
