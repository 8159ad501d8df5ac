/**
 * Builds a Hugging Face tokenizer.json from a GGUF file's tokenizer metadata, so a
 * GGUF-only model tokenizes with the same library (npm `tokenizers`) as an HF folder.
 */
import { UnsupportedModelError } from '../../errors';
import type { GgufFile } from '../gguf/GgufFile';
import { GENERIC_PRE_TOKENIZERS, preTokenizerJson, type PreSplit } from './preSplits';

/** GGUF token types (llama.cpp's llama_token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** The pre-split a GGUF file names, by its architecture's table or the generic names. */
function preTokenizer(f: GgufFile, names: Readonly<Record<string, PreSplit>>) {
  const pre = String(f.metadata.get('tokenizer.ggml.pre') ?? 'default');
  const kind = Object.hasOwn(names, pre) ? names[pre] : Object.hasOwn(GENERIC_PRE_TOKENIZERS, pre) ? GENERIC_PRE_TOKENIZERS[pre] : undefined;
  if (!kind) throw new UnsupportedModelError(f.path, `tokenizer pre-tokenizer '${pre}' is not supported yet`);
  return preTokenizerJson(kind);
}

export interface GgufTokenizerData {
  json: string;
  tokens: string[];
  tokenTypes: number[];
}

/** `preTokenizers`: the file's architecture's `tokenizer.ggml.pre` names (Architecture.preTokenizers). */
export function tokenizerJsonFromGguf(f: GgufFile, preTokenizers: Readonly<Record<string, PreSplit>> = {}): GgufTokenizerData {
  const kind = f.metadata.get('tokenizer.ggml.model');
  if (kind !== 'gpt2') {
    throw new UnsupportedModelError(f.path, `tokenizer model '${String(kind)}' (only byte-level BPE, 'gpt2', is supported)`);
  }
  const tokens = f.metadata.get('tokenizer.ggml.tokens');
  const merges = f.metadata.get('tokenizer.ggml.merges');
  if (!Array.isArray(tokens) || !Array.isArray(merges)) {
    throw new UnsupportedModelError(f.path, 'GGUF has no tokenizer.ggml.tokens/merges');
  }
  const types = (f.metadata.get('tokenizer.ggml.token_type') as number[] | undefined) ?? [];
  const vocab: Record<string, number> = {};
  const added: object[] = [];
  tokens.forEach((t, id) => {
    const type = types[id] ?? TOKEN_TYPE.normal;
    vocab[t as string] = id;
    if (type === TOKEN_TYPE.control || type === TOKEN_TYPE.userDefined) {
      added.push({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: type === TOKEN_TYPE.control });
    }
  });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizer(f, preTokenizers),
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  return { json: JSON.stringify(json), tokens: tokens as string[], tokenTypes: types };
}
