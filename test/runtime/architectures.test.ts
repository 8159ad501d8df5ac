// The architecture descriptions (lib/runtime/architectures/): one per architecture, each
// complete, and read the same way for GGUF files and Hugging Face folders.
import t from 'tap';
import { ARCHITECTURES, findArchitecture, mapHfTensor } from '../../lib/runtime/architectures';
import { GENERIC_PRE_TOKENIZERS, preTokenizerJson } from '../../lib/runtime/tokenizer/preSplits';

t.test('every name belongs to exactly one architecture', async (t) => {
  const names = ARCHITECTURES.flatMap((a) => a.names);
  t.equal(new Set(names).size, names.length, `names: ${names.join(', ')}`);
  for (const a of ARCHITECTURES) for (const n of a.names) t.equal(findArchitecture(n), a, n);
  t.equal(findArchitecture('mamba'), undefined);
});

t.test('every pre-tokenizer name an architecture uses is a known split', async (t) => {
  for (const a of ARCHITECTURES) {
    for (const [name, kind] of Object.entries({ ...GENERIC_PRE_TOKENIZERS, ...a.preTokenizers })) {
      const json = preTokenizerJson(kind) as { type?: string };
      t.equal(json.type, 'Sequence', `${a.names[0]}: ${name} → ${kind}`);
    }
  }
});

t.test('Hugging Face tensor names: the shared ones everywhere, q/k norms only where the block has them', async (t) => {
  const qwen3 = findArchitecture('qwen3')!, llama = findArchitecture('llama')!;
  for (const a of ARCHITECTURES) {
    t.equal(mapHfTensor(a, 'model.layers.3.self_attn.q_proj.weight'), 'blk.3.attn_q.weight');
    t.equal(mapHfTensor(a, 'model.layers.0.mlp.down_proj.scales'), 'blk.0.ffn_down.scales');
    t.equal(mapHfTensor(a, 'lm_head.weight'), 'output.weight');
    t.equal(mapHfTensor(a, 'model.rotary_emb.inv_freq'), undefined, 'unused tensors are skipped');
  }
  t.equal(mapHfTensor(qwen3, 'model.layers.5.self_attn.q_norm.weight'), 'blk.5.attn_q_norm.weight');
  t.equal(mapHfTensor(qwen3, 'model.layers.5.self_attn.k_norm.weight'), 'blk.5.attn_k_norm.weight');
  t.equal(mapHfTensor(llama, 'model.layers.5.self_attn.q_norm.weight'), undefined, 'llama has no q/k norms');
  t.ok(qwen3.qkNorm && !llama.qkNorm);
});
