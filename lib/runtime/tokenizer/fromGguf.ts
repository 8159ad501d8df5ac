/**
 * Builds a Hugging Face tokenizer.json from a GGUF file's tokenizer metadata, so a
 * GGUF-only model tokenizes with the same library (npm `tokenizers`) as an HF folder.
 */
import { UnsupportedModelError } from '../../errors';
import type { GgufFile } from '../gguf/GgufFile';

/** GGUF token types (llama.cpp's llama_token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

// Pre-tokenizer splits per `tokenizer.ggml.pre`, equal to the splits each model's
// own tokenizer.json uses (and llama.cpp uses for that name).
const GPT2_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function split(pattern: string) {
  return { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false };
}
const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };

function preTokenizer(pre: string, path: string) {
  switch (pre) {
    case 'smollm':
    case 'starcoder':
    case 'refact':
      return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, split(GPT2_SPLIT), BYTE_LEVEL] };
    case 'qwen2':
    case 'deepseek-r1-qwen':
      return { type: 'Sequence', pretokenizers: [split(QWEN2_SPLIT), BYTE_LEVEL] };
    case 'gpt2':
    case 'default':
      return { type: 'Sequence', pretokenizers: [split(GPT2_SPLIT), BYTE_LEVEL] };
    default:
      throw new UnsupportedModelError(path, `tokenizer pre-tokenizer '${pre}' is not supported yet`);
  }
}

export interface GgufTokenizerData {
  json: string;
  tokens: string[];
  tokenTypes: number[];
}

export function tokenizerJsonFromGguf(f: GgufFile): GgufTokenizerData {
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
    pre_tokenizer: preTokenizer(String(f.metadata.get('tokenizer.ggml.pre') ?? 'default'), f.path),
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  return { json: JSON.stringify(json), tokens: tokens as string[], tokenTypes: types };
}
