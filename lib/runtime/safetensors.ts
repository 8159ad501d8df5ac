/**
 * Hugging Face model folders: config.json, one or more *.safetensors files (with
 * model.safetensors.index.json when sharded), tokenizer.json. Headers are parsed
 * and validated here; the native loader reads the tensor bytes.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ModelFormatError, ModelNotFoundError, UnsupportedModelError } from '../errors';
import type { TensorSpec } from './native';
import { openModelFile } from './openModelFile';

const DTYPES = new Set(['F32', 'F16', 'BF16', 'U32']);
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, U32: 4, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };

export async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ModelNotFoundError(file, (err as NodeJS.ErrnoException).code);
  }
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (err) {
    throw new ModelFormatError(file, `invalid JSON: ${(err as Error).message}`);
  }
}

/** Tensor specs of one .safetensors file, under their original names. */
export async function readSafetensorsHeader(file: string): Promise<TensorSpec[]> {
  const fh = await openModelFile(file);
  try {
    const { size } = await fh.stat();
    const lenBuf = Buffer.alloc(8);
    if (size < 8 || (await fh.read(lenBuf, 0, 8, 0)).bytesRead !== 8) throw new ModelFormatError(file, 'file too short for a safetensors header');
    const len = lenBuf.readBigUInt64LE(0);
    if (len > BigInt(Math.min(size - 8, 100 << 20))) throw new ModelFormatError(file, `header length ${len} is impossible for a ${size}-byte file`);
    const headerBuf = Buffer.alloc(Number(len));
    await fh.read(headerBuf, 0, headerBuf.length, 8);
    let header: Record<string, { dtype?: string; shape?: number[]; data_offsets?: number[] }>;
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch (err) {
      throw new ModelFormatError(file, `header is not valid JSON (${(err as Error).message})`);
    }
    const base = 8 + headerBuf.length;
    const specs: TensorSpec[] = [];
    for (const [name, t] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const { dtype, shape, data_offsets: off } = t ?? {};
      if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(off) || off.length !== 2) {
        throw new ModelFormatError(file, `tensor ${name} has a malformed header entry`);
      }
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = DTYPE_BYTES[dtype];
      if (bytes === undefined || off[1] - off[0] !== count * bytes || off[0] < 0 || base + off[1] > size) {
        throw new ModelFormatError(file, `tensor ${name}: offsets do not match its shape or the file size (truncated?)`);
      }
      specs.push({ name, file, type: dtype, offset: base + off[0], nbytes: off[1] - off[0], shape });
    }
    return specs;
  } finally {
    await fh.close();
  }
}

/** All tensors of a model folder, sharded or not. */
export async function readSafetensorsFolder(dir: string): Promise<TensorSpec[]> {
  const index = path.join(dir, 'model.safetensors.index.json');
  let files: string[];
  if (existsSync(index)) {
    const map = (await readJson(index)).weight_map as Record<string, string> | undefined;
    if (!map) throw new ModelFormatError(index, 'no weight_map');
    files = [...new Set(Object.values(map))].map((f) => path.join(dir, path.basename(f)));
  } else {
    files = (await readdir(dir)).filter((f) => f.endsWith('.safetensors')).sort().map((f) => path.join(dir, f));
  }
  if (files.length === 0) throw new ModelNotFoundError(dir, 'no *.safetensors files in the folder');
  const specs = (await Promise.all(files.map(readSafetensorsHeader))).flat();
  for (const s of specs) {
    if (!DTYPES.has(s.type)) throw new UnsupportedModelError(s.file, `tensor ${s.name} has dtype ${s.type} (supported: ${[...DTYPES].join(', ')})`);
  }
  return specs;
}
