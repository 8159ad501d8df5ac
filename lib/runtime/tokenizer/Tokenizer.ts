/**
 * Text ⇄ token ids. Encoding uses Hugging Face's own `tokenizers` library (from a
 * tokenizer.json, or one built from GGUF metadata); decoding is done here, byte-exact
 * and incremental, so a stream of tokens never splits a UTF-8 character.
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { ModelFormatError, UnsupportedModelError } from '../../errors';
import type { GgufFile } from '../gguf/GgufFile';
import { tokenBytes } from './byteLevel';
import { TOKEN_TYPE, tokenizerJsonFromGguf } from './fromGguf';
import type { PreSplit } from './preSplits';

/** The special token ids a model declares (begin, end, end-of-turn stops). */
export interface SpecialTokens {
  bos?: number;
  eos?: number;
  /** Every id that ends a turn (eos, `<|im_end|>`, `<|endoftext|>`...). */
  stop: number[];
}

export interface EncodeOptions {
  /** Prepend the BOS token. Defaults to the model's own setting. */
  addBos?: boolean;
}

/** Incremental decoder: feed ids one at a time, get the new complete text. */
export interface StreamDecoder {
  push(id: number): string;
  /** Whatever bytes are still pending (an incomplete character), decoded leniently. */
  flush(): string;
}

/**
 * The model's tokenizer (from the GGUF metadata or tokenizer.json): encode, decode, stream
 * decoding, special tokens.
 */
export class Tokenizer {
  private readonly bytes: Uint8Array[];

  private constructor(
    private readonly hf: HfTokenizer,
    vocab: string[],
    literal: Set<number>,
    readonly special: SpecialTokens,
    private readonly addBosByDefault: boolean,
  ) {
    // Special/added tokens are literal text; all others are byte-level symbols.
    const enc = new TextEncoder();
    this.bytes = vocab.map((t, id) => (literal.has(id) ? enc.encode(t) : tokenBytes(t)));
  }

  /** Number of ids. */
  get vocabSize(): number {
    return this.bytes.length;
  }

  /** `preTokenizers`: the file's architecture's names for its pre-splits (see Architecture.ts). */
  static fromGguf(f: GgufFile, preTokenizers: Readonly<Record<string, PreSplit>> = {}): Tokenizer {
    const { json, tokens, tokenTypes } = tokenizerJsonFromGguf(f, preTokenizers);
    const hf = HfTokenizer.fromString(json);
    const literal = new Set<number>();
    tokenTypes.forEach((t, id) => {
      if (t === TOKEN_TYPE.control || t === TOKEN_TYPE.userDefined) literal.add(id);
    });
    const id = (k: string) => {
      const v = f.metadata.get(`tokenizer.ggml.${k}`);
      return typeof v === 'number' && v >= 0 && v < tokens.length ? v : undefined;
    };
    const stop = new Set<number>();
    const eos = id('eos_token_id');
    if (eos !== undefined) stop.add(eos);
    const eot = id('eot_token_id');
    if (eot !== undefined) stop.add(eot);
    for (const name of ['<|im_end|>', '<|endoftext|>', '<|eot_id|>']) {
      const i = tokens.indexOf(name);
      if (i >= 0 && literal.has(i)) stop.add(i);
    }
    const addBos = f.metadata.get('tokenizer.ggml.add_bos_token') === true;
    return new Tokenizer(hf, tokens, literal, { bos: id('bos_token_id'), eos, stop: [...stop] }, addBos);
  }

  /** From a Hugging Face folder's tokenizer.json (+ tokenizer_config.json / config.json for special ids). */
  static async fromFile(tokenizerJson: string, config: Record<string, unknown> = {}): Promise<Tokenizer> {
    let parsed: { added_tokens?: { id: number; content: string }[]; model?: { vocab?: Record<string, number> }; decoder?: { type?: string } };
    const text = await readFile(tokenizerJson, 'utf8');
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ModelFormatError(tokenizerJson, `not valid JSON (${(err as Error).message})`);
    }
    if (parsed.decoder?.type !== 'ByteLevel' || !parsed.model?.vocab) {
      throw new UnsupportedModelError(tokenizerJson, `decoder '${parsed.decoder?.type}' (only byte-level BPE tokenizers are supported)`);
    }
    const vocab: string[] = [];
    for (const [t, id] of Object.entries(parsed.model.vocab)) vocab[id] = t;
    const literal = new Set<number>();
    for (const a of parsed.added_tokens ?? []) {
      vocab[a.id] = a.content;
      literal.add(a.id);
    }
    for (let i = 0; i < vocab.length; i++) vocab[i] ??= '';
    const hf = HfTokenizer.fromString(text);
    const byContent = (v: unknown) => {
      const s = typeof v === 'string' ? v : (v as { content?: string } | undefined)?.content;
      const i = s === undefined ? -1 : vocab.indexOf(s);
      return i >= 0 ? i : undefined;
    };
    const bos = typeof config.bos_token_id === 'number' ? config.bos_token_id : byContent(config.bos_token);
    const eosIds = ([] as unknown[]).concat(config.eos_token_id ?? []).filter((x): x is number => typeof x === 'number');
    const eos = eosIds[0] ?? byContent(config.eos_token);
    const stop = new Set<number>(eosIds);
    if (eos !== undefined) stop.add(eos);
    for (const name of ['<|im_end|>', '<|endoftext|>', '<|eot_id|>']) {
      const i = vocab.indexOf(name);
      if (i >= 0 && literal.has(i)) stop.add(i);
    }
    return new Tokenizer(hf, vocab, literal, { bos, eos, stop: [...stop] }, config.add_bos_token === true);
  }

  /** Token ids of `text`. Special tokens written in the text (e.g. `<|im_start|>`) are recognised. */
  async encode(text: string, options: EncodeOptions = {}): Promise<Int32Array> {
    const enc = await this.hf.encode(text, null, { addSpecialTokens: false });
    const ids = enc.getIds();
    const addBos = (options.addBos ?? this.addBosByDefault) && this.special.bos !== undefined;
    const out = new Int32Array(ids.length + (addBos ? 1 : 0));
    if (addBos) out[0] = this.special.bos!;
    out.set(ids, addBos ? 1 : 0);
    return out;
  }

  /** Text of a whole sequence of ids. */
  decode(ids: ArrayLike<number>): string {
    const d = this.createStreamDecoder();
    let s = '';
    for (let i = 0; i < ids.length; i++) s += d.push(ids[i]);
    return s + d.flush();
  }

  createStreamDecoder(): StreamDecoder {
    const utf8 = new TextDecoder('utf-8');
    return {
      push: (id) => utf8.decode(this.bytes[id] ?? new Uint8Array(), { stream: true }),
      flush: () => utf8.decode(),
    };
  }
}
