// Loading: safetensors folders (float and MLX-quantized) against the reference forward
// pass, and bad files of every kind → typed errors, never a crash.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { CompilerExpertError, loadModel, ModelFormatError, ModelNotFoundError, UnsupportedModelError } from '../../lib';
import { writeHfFolder, writeSafetensors } from '../fixtures/hfFolder';
import { writeGguf } from '../fixtures/ggufWriter';
import { referenceForward } from '../fixtures/referenceForward';
import { rng } from '../fixtures/random';
import { makeTinyModel, TINY_LLAMA, TINY_QWEN2, TINY_QWEN3 } from '../fixtures/tinyModel';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ce-load-'));
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

for (const [label, config, group] of [['llama f32', TINY_LLAMA, undefined], ['qwen2 mlx-4bit g64', TINY_QWEN2, 64], ['qwen3 f32', TINY_QWEN3, undefined]] as const) {
  t.test(`safetensors folder: ${label} matches the reference`, async (t) => {
    const tiny = makeTinyModel(config, 9);
    const dir = await writeHfFolder(tiny, path.join(tmp(), 'hf'), group);
    const model = await loadModel(dir);
    t.equal(model.info.format, 'safetensors');
    const prompt = [5, 77, 120, 33, 9, 250];
    const s = model.createSession();
    await s.prefill(prompt);
    // HF checkpoints keep the split-halves rotary layout for every architecture. These
    // layers are dense (f32) or group-64 (stock MLX): no int8 input rounding.
    const ref = referenceForward(tiny, prompt, { ropeTraditional: false, int8Activations: false }).logits[prompt.length - 1];
    const scale = Math.max(...Array.from(ref, Math.abs));
    const err = maxAbsDiff(await s.logits(), ref);
    t.comment(`max |logit error| ${err.toExponential(2)} (scale ${scale.toFixed(2)})`);
    t.ok(err < 1e-3 * Math.max(1, scale), 'logits match');
    model.dispose();
  });
}

t.test('bad paths and files give typed errors', async (t) => {
  const dir = tmp();
  await t.rejects(loadModel(path.join(dir, 'nope.gguf')), ModelNotFoundError, 'missing file');
  await t.rejects(loadModel(''), ModelNotFoundError, 'empty path');
  const random = path.join(dir, 'random.gguf');
  const r = rng(3);
  writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, () => Math.floor(r() * 256))));
  await t.rejects(loadModel(random), ModelFormatError, 'random bytes');
  writeFileSync(path.join(dir, 'empty.gguf'), Buffer.alloc(0));
  await t.rejects(loadModel(path.join(dir, 'empty.gguf')), ModelFormatError, 'empty file');

  const good = readFileSync(makeTinyModel(TINY_LLAMA, 2, dir).path);
  for (const cut of [8, 100, 2000, Math.floor(good.length / 2), good.length - 1]) {
    const f = path.join(dir, `cut${cut}.gguf`);
    writeFileSync(f, good.subarray(0, cut));
    await t.rejects(loadModel(f), ModelFormatError, `truncated at ${cut} bytes`);
  }
  const v9 = Buffer.from(good);
  v9.writeUInt32LE(9, 4);
  writeFileSync(path.join(dir, 'v9.gguf'), v9);
  await t.rejects(loadModel(path.join(dir, 'v9.gguf')), UnsupportedModelError, 'unknown GGUF version');
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(1n << 40n, 8);
  writeFileSync(path.join(dir, 'huge.gguf'), huge);
  await t.rejects(loadModel(path.join(dir, 'huge.gguf')), ModelFormatError, 'absurd tensor count');

  const arch = path.join(dir, 'mamba.gguf');
  writeGguf(arch, { 'general.architecture': { type: 'string', value: 'mamba' } }, []);
  await t.rejects(loadModel(arch), { name: 'UnsupportedModelError', message: /supported: llama\/mistral, qwen2, qwen3/ }, 'unsupported architecture, naming the supported ones');
  // A Qwen3 file without the q/k norm tensors its architecture says every block has.
  const noNorms = makeTinyModel({ ...TINY_QWEN3, qkNorm: false }, 2, dir);
  await t.rejects(loadModel(noNorms.path), ModelFormatError, 'qwen3 without attn_q_norm');
  const q2k = path.join(dir, 'q2k.gguf');
  writeGguf(q2k, { 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'token_embd.weight', dims: [256, 4], type: 10, data: Buffer.alloc(84 * 4) }]);
  await t.rejects(loadModel(q2k), UnsupportedModelError, 'unsupported tensor type (Q2_K)');
});

t.test('200 random header corruptions: typed error or a loaded model, never a crash', async (t) => {
  const dir = tmp();
  const good = readFileSync(makeTinyModel(TINY_QWEN2, 4, dir).path);
  const r = rng(17);
  let rejected = 0, loaded = 0;
  for (let i = 0; i < 200; i++) {
    const bad = Buffer.from(good);
    // Corrupt 1-4 bytes in the header and tensor directory (the first 12 KB).
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) bad[Math.floor(r() * Math.min(12000, bad.length))] = Math.floor(r() * 256);
    const f = path.join(dir, `fuzz${i}.gguf`);
    writeFileSync(f, bad);
    try {
      const m = await loadModel(f);
      const s = m.createSession({ contextLength: 8 });
      await s.prefill([1, 2]);
      await s.step();
      m.dispose();
      loaded++;
    } catch (err) {
      if (!(err instanceof CompilerExpertError)) throw err;
      rejected++;
    }
  }
  t.comment(`${rejected} rejected with typed errors, ${loaded} still loadable`);
  t.equal(rejected + loaded, 200);
  t.ok(rejected > 20, 'many corruptions are detected');
});

t.test('bad safetensors folders give typed errors', async (t) => {
  const base = tmp();
  const tiny = makeTinyModel(TINY_LLAMA, 6);
  const ok = await writeHfFolder(tiny, path.join(base, 'ok'));
  const dir = path.join(base, 'bad');
  mkdirSync(dir);
  await t.rejects(loadModel(dir), ModelNotFoundError, 'no config.json');
  writeFileSync(path.join(dir, 'config.json'), '{ not json');
  await t.rejects(loadModel(dir), ModelFormatError, 'config.json is not JSON');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
  await t.rejects(loadModel(dir), UnsupportedModelError, 'unsupported model_type');
  writeFileSync(path.join(dir, 'config.json'), readFileSync(path.join(ok, 'config.json')));
  await t.rejects(loadModel(dir), ModelNotFoundError, 'no safetensors files');
  const st = path.join(dir, 'model.safetensors');
  writeFileSync(st, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
  await t.rejects(loadModel(dir), ModelFormatError, 'header longer than the file');
  writeSafetensors(st, [{ name: 'model.norm.weight', dtype: 'F32', shape: [256], data: Buffer.alloc(512) }]);
  await t.rejects(loadModel(dir), ModelFormatError, 'tensor bytes do not match its shape');
  const shard = readFileSync(path.join(ok, 'model-00001-of-00002.safetensors'));
  writeFileSync(path.join(ok, 'model-00001-of-00002.safetensors'), shard.subarray(0, shard.length - 100));
  await t.rejects(loadModel(ok), ModelFormatError, 'truncated shard');
});
