// COMPILER_EXPERT_PROFILE: the native phase timers print where a step's time went, at exit,
// and print nothing when the variable is unset.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';
import type { GgmlTypeName } from '../fixtures/ggmlBlocks';
import { makeTinyModel, TINY_QWEN2 } from '../fixtures/tinyModel';

const DIST = path.resolve(__dirname, '../../dist/index.js');

t.test('phase totals at exit when COMPILER_EXPERT_PROFILE is set', async (t) => {
  const tiny = makeTinyModel({ ...TINY_QWEN2, types: ['Q4_K'] as GgmlTypeName[] }, 5);
  const program = `
    const { loadModel } = require(${JSON.stringify(DIST)});
    (async () => {
      const model = await loadModel(${JSON.stringify(tiny.path)});
      const s = model.createSession();
      await s.prefill([1, 2, 3, 4]);
      const forks = [await s.fork(), await s.fork()];
      for (let i = 0; i < 3; i++) await model.stepBatch(forks);
      model.dispose();
    })();`;
  const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['-e', program], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  const on = run({ COMPILER_EXPERT_PROFILE: '1' });
  t.equal(on.status, 0, on.stderr);
  const phases = new Map([...on.stderr.matchAll(/^\[profile\] (\S+)\s+([\d.]+) ms\s+(\d+) calls$/gm)].map((m) => [m[1], Number(m[3])]));
  t.equal(phases.get('step_batch'), 3, 'three batched steps');
  t.equal(phases.get('step_batch.sample'), 6, 'two members sampled per step');
  t.ok((phases.get('layer') ?? 0) >= 4 * TINY_QWEN2.layers, `every layer of the prefill and the steps ran as one CPU op (${phases.get('layer')})`);
  t.ok((phases.get('kquant.layers') ?? 0) > 0, 'the K-quant kernels were timed');
  const off = run({});
  t.equal(off.status, 0, off.stderr);
  t.notMatch(off.stderr, /\[profile\]/, 'silent without the variable');
});
