/**
 * What every architecture of the Llama family shares: GGUF keys under `<arch>.`,
 * Hugging Face config fields, and tensor names, read the way an architecture's
 * description (Architecture.ts) says.
 */
import { ModelFormatError } from '../../errors';
import { GgufFile, metaNumber } from '../gguf/GgufFile';
import type { NativeModelConfig } from '../native';
import type { Architecture, HfConfig } from './Architecture';

/** The native config of a GGUF file whose `general.architecture` is `name` (one of `arch.names`). */
export function configFromGguf(arch: Architecture, f: GgufFile, name: string): NativeModelConfig {
  const key = (k: string) => `${name}.${k}`;
  const hidden = metaNumber(f, key('embedding_length'));
  const heads = metaNumber(f, key('attention.head_count'));
  const embd = f.tensors.find((t) => t.name === 'token_embd.weight');
  if (!embd) throw new ModelFormatError(f.path, 'tensor token_embd.weight is missing');
  return {
    architecture: name,
    vocabSize: embd.dims[1],
    hiddenSize: hidden,
    intermediateSize: metaNumber(f, key('feed_forward_length')),
    numLayers: metaNumber(f, key('block_count')),
    numHeads: heads,
    numKvHeads: metaNumber(f, key('attention.head_count_kv'), heads),
    headDim: metaNumber(f, key('attention.key_length'), hidden / heads),
    ropeTheta: metaNumber(f, key('rope.freq_base'), 10000),
    ropeTraditional: arch.ggufRopeTraditional,
    qkNorm: arch.qkNorm,
    rmsNormEps: metaNumber(f, key('attention.layer_norm_rms_epsilon'), 1e-5),
    maxContext: metaNumber(f, key('context_length'), 2048),
  };
}

function num(cfg: HfConfig, key: string, path: string, fallback?: number): number {
  const v = cfg[key];
  if (typeof v === 'number') return v;
  if (fallback !== undefined) return fallback;
  throw new ModelFormatError(path, `config.json has no numeric ${key}`);
}

/** The native config of a Hugging Face folder's config.json (`model_type` one of `arch.names`). */
export function configFromHf(arch: Architecture, cfg: HfConfig, path: string): NativeModelConfig {
  const hidden = num(cfg, 'hidden_size', path);
  const heads = num(cfg, 'num_attention_heads', path);
  return {
    architecture: String(cfg.model_type),
    vocabSize: num(cfg, 'vocab_size', path),
    hiddenSize: hidden,
    intermediateSize: num(cfg, 'intermediate_size', path),
    numLayers: num(cfg, 'num_hidden_layers', path),
    numHeads: heads,
    numKvHeads: num(cfg, 'num_key_value_heads', path, heads),
    headDim: num(cfg, 'head_dim', path, hidden / heads),
    ropeTheta: num(cfg, 'rope_theta', path, 10000),
    // HF checkpoints keep the split-halves rotary layout.
    ropeTraditional: false,
    qkNorm: arch.qkNorm,
    rmsNormEps: num(cfg, 'rms_norm_eps', path, 1e-5),
    maxContext: num(cfg, 'max_position_embeddings', path, 2048),
  };
}

const LAYER_PARTS: Record<string, string> = {
  'input_layernorm': 'attn_norm',
  'post_attention_layernorm': 'ffn_norm',
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
};
const TOP_LEVEL: Record<string, string> = {
  'model.embed_tokens': 'token_embd',
  'model.norm': 'output_norm',
  'lm_head': 'output',
};

/** A Hugging Face tensor name → the native (GGUF-style) name, or undefined for tensors we do not use. */
export function mapHfTensor(arch: Architecture, name: string): string | undefined {
  const m = /^(.*)\.(weight|bias|scales|biases)$/.exec(name);
  if (!m) return undefined;
  const [, stem, suffix] = m;
  if (TOP_LEVEL[stem]) return `${TOP_LEVEL[stem]}.${suffix}`;
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(stem);
  const part = layer && (LAYER_PARTS[layer[2]] ?? arch.hfLayerParts?.[layer[2]]);
  if (layer && part) return `blk.${layer[1]}.${part}.${suffix}`;
  return undefined;
}
