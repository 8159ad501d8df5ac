// The MLX-op path of fork and batched decode (what GPU streams and dense weights take):
// COMPILER_EXPERT_STOCK_MLX keeps every layer off the one-op CPU layer, so the batch goes
// through MLX ops (projections over all rows, then attention per sequence on its cache).
process.env.COMPILER_EXPERT_STOCK_MLX = '1'; // read once, when the first model loads
import t from 'tap';
import { loadModel, type Session } from '../../lib';
import type { GgmlTypeName } from '../fixtures/ggmlBlocks';
import { rng } from '../fixtures/random';
import { makeTinyModel, TINY_LLAMA, TINY_QWEN2 } from '../fixtures/tinyModel';

const close = (a: Float32Array, b: Float32Array) => {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return m <= 1e-5 * Math.max(10, s); // float32 summation order (see forkBatch.test.ts)
};

for (const config of [TINY_LLAMA, { ...TINY_QWEN2, types: ['Q4_K'] as GgmlTypeName[] }]) {
  t.test(`tiny ${config.arch} on MLX ops`, async (t) => {
    const model = await loadModel(makeTinyModel(config, 3).path);
    t.teardown(() => model.dispose());
    t.equal(model.info.kvCacheType, 'float32', 'no layer runs as one CPU op (that would pick float16 where it can)');
    const r = rng(9);
    const ps = [4, 9, 6].map((n) => Array.from({ length: n }, () => Math.floor(r() * 256)));
    const batch: Session[] = [], solo: Session[] = [];
    for (const p of ps) {
      const root = model.createSession();
      await root.prefill(p);
      batch.push(await root.fork());
      root.dispose();
      const s = model.createSession();
      await s.prefill(p);
      solo.push(s);
    }
    const got: number[][] = ps.map(() => []), want: number[][] = ps.map(() => []);
    for (let step = 0; step < 16; step++) {
      if (step === 8) {
        await batch[1].inject([70, 71]);
        await solo[1].inject([70, 71]);
      }
      (await model.stepBatch(batch)).forEach((x, k) => got[k].push(x.token));
      for (let k = 0; k < solo.length; k++) want[k].push((await solo[k].step()).token);
    }
    t.same(got, want, 'forked, batched sessions give the tokens of single sessions');
    for (let k = 0; k < ps.length; k++) t.ok(close(await batch[k].logits(), await solo[k].logits()), `member ${k}: same logits`);
    for (const s of [...batch, ...solo]) s.dispose();
  });
}
