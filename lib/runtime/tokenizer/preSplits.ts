/**
 * The pre-tokenizer splits of the byte-level BPE models we load, as Hugging Face
 * `tokenizers` pre_tokenizer objects: each equals the split its models' own
 * tokenizer.json uses (and llama.cpp uses for the names that map to it). Which GGUF
 * `tokenizer.ggml.pre` name means which split is said by each architecture
 * (lib/runtime/architectures/), plus the generic names below.
 */

/** A split this module knows. */
export type PreSplit = 'gpt2' | 'gpt2-digits' | 'qwen2';

const GPT2_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** `tokenizer.ggml.pre` names every architecture may use. */
export const GENERIC_PRE_TOKENIZERS: Readonly<Record<string, PreSplit>> = { gpt2: 'gpt2', default: 'gpt2' };

function split(pattern: string) {
  return { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false };
}
const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };

/** The tokenizer.json `pre_tokenizer` object of a split. */
export function preTokenizerJson(kind: PreSplit): object {
  switch (kind) {
    case 'gpt2-digits':
      return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, split(GPT2_SPLIT), BYTE_LEVEL] };
    case 'qwen2':
      return { type: 'Sequence', pretokenizers: [split(QWEN2_SPLIT), BYTE_LEVEL] };
    case 'gpt2':
      return { type: 'Sequence', pretokenizers: [split(GPT2_SPLIT), BYTE_LEVEL] };
  }
}
