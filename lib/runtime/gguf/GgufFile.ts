/**
 * GGUF header reader: metadata and tensor directory, validated before any native
 * code touches the file (a truncated or random file gives a ModelFormatError).
 * Only the header is read; tensor data stays on disk for the native loader.
 */
import { ModelFormatError, UnsupportedModelError } from '../../errors';
import { openModelFile } from '../openModelFile';
import { GGML_TYPES, GGML_TYPE_NAMES } from './ggmlTypes';

/** A GGUF metadata value. */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

/** One tensor of a GGUF file: name, type, shape and where its bytes are. */
export interface GgufTensorInfo {
  name: string;
  /** GGML dims, innermost first (ne[0] is the row length). */
  dims: number[];
  type: number;
  typeName: string;
  /** Absolute byte offset in the file. */
  offset: number;
  nbytes: number;
}

/** A GGUF file's header: metadata and tensor directory (no tensor data is read). */
export interface GgufFile {
  path: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  fileSize: number;
}

const MAGIC = 0x46554747; // "GGUF" little-endian
const MAX_STRING = 1 << 24;
const MAX_ARRAY = 1 << 24;
const MAX_COUNT = 1 << 20;

class Truncated extends Error {}

/** Bounds-checked little-endian reader over a prefix of the file. */
class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Truncated();
  }
  u8(): number { this.need(1); return this.buf.readUInt8(this.pos++); }
  i8(): number { this.need(1); return this.buf.readInt8(this.pos++); }
  u16(): number { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  i16(): number { this.need(2); const v = this.buf.readInt16LE(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.buf.readInt32LE(this.pos); this.pos += 4; return v; }
  f32(): number { this.need(4); const v = this.buf.readFloatLE(this.pos); this.pos += 4; return v; }
  f64(): number { this.need(8); const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
  u64(): bigint { this.need(8); const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  i64(): bigint { this.need(8); const v = this.buf.readBigInt64LE(this.pos); this.pos += 8; return v; }
  /** A u64 that must fit a JS number below `max`. */
  count(max: number, what: string): number {
    const v = this.u64();
    if (v > BigInt(max)) throw new RangeError(`${what} ${v} is implausibly large`);
    return Number(v);
  }
  str(): string {
    const n = this.count(MAX_STRING, 'string length');
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function readValue(c: Cursor, type: number, depth = 0): GgufValue {
  switch (type) {
    case 0: return c.u8();
    case 1: return c.i8();
    case 2: return c.u16();
    case 3: return c.i16();
    case 4: return c.u32();
    case 5: return c.i32();
    case 6: return c.f32();
    case 7: return c.u8() !== 0;
    case 8: return c.str();
    case 9: {
      if (depth > 2) throw new RangeError('arrays nested too deeply');
      const itemType = c.u32();
      const n = c.count(MAX_ARRAY, 'array length');
      const out: GgufValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, itemType, depth + 1);
      return out;
    }
    case 10: { const v = c.u64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
    case 11: { const v = c.i64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v; }
    case 12: return c.f64();
    default: throw new RangeError(`unknown metadata value type ${type}`);
  }
}

function parse(path: string, buf: Buffer, fileSize: number): GgufFile {
  const c = new Cursor(buf);
  if (buf.length < 4 || c.u32() !== MAGIC) throw new ModelFormatError(path, 'not a GGUF file (bad magic)');
  const version = c.u32();
  if (version !== 2 && version !== 3) throw new UnsupportedModelError(path, `GGUF version ${version} (supported: 2, 3)`);
  const tensorCount = c.count(MAX_COUNT, 'tensor count');
  const kvCount = c.count(MAX_COUNT, 'metadata count');
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.str();
    metadata.set(key, readValue(c, c.u32()));
  }
  const raw: { name: string; dims: number[]; type: number; rel: bigint }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.str();
    const nDims = c.u32();
    if (nDims < 1 || nDims > 4) throw new ModelFormatError(path, `tensor ${name} has ${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.count(2 ** 32, `tensor ${name} dimension`));
    raw.push({ name, dims, type: c.u32(), rel: c.u64() });
  }
  const alignment = Number(metadata.get('general.alignment') ?? 32);
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment > 1 << 16) throw new ModelFormatError(path, `bad alignment ${alignment}`);
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const tensors = raw.map(({ name, dims, type, rel }) => {
    const layout = GGML_TYPES[type];
    if (!layout) {
      throw new UnsupportedModelError(path, `tensor ${name} uses GGML type ${GGML_TYPE_NAMES[type] ?? type}, which this runtime cannot load`);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    if (dims.some((d) => d <= 0) || count % layout.blockValues !== 0 || dims[0] % layout.blockValues !== 0) {
      throw new ModelFormatError(path, `tensor ${name} has shape [${dims}] that does not fit ${layout.name} blocks`);
    }
    const nbytes = (count / layout.blockValues) * layout.blockBytes;
    const offset = dataStart + Number(rel);
    if (rel > BigInt(fileSize) || offset + nbytes > fileSize) {
      throw new ModelFormatError(path, `tensor ${name} runs past the end of the file (truncated download?)`);
    }
    return { name, dims, type, typeName: layout.name, offset, nbytes };
  });
  return { path, version, metadata, tensors, fileSize };
}

/** Reads and validates a GGUF file's header. */
export async function readGguf(path: string): Promise<GgufFile> {
  const fh = await openModelFile(path);
  try {
    const { size } = await fh.stat();
    // Headers are a few MB (the vocabulary); read a prefix and grow it if needed.
    for (let want = Math.min(size, 8 << 20); ; want = Math.min(size, want * 4)) {
      const buf = Buffer.alloc(want);
      await fh.read(buf, 0, want, 0);
      try {
        return parse(path, buf, size);
      } catch (err) {
        if (err instanceof Truncated) {
          if (want < size) continue;
          throw new ModelFormatError(path, 'header ends early (truncated file)');
        }
        if (err instanceof RangeError) throw new ModelFormatError(path, err.message);
        throw err;
      }
    }
  } finally {
    await fh.close();
  }
}

/** Typed metadata accessors with clear errors for missing keys. */
export function metaNumber(f: GgufFile, key: string, fallback?: number): number {
  const v = f.metadata.get(key);
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ModelFormatError(f.path, `metadata ${key} is missing`);
  }
  if (typeof v !== 'number') throw new ModelFormatError(f.path, `metadata ${key} is not a number`);
  return v;
}
