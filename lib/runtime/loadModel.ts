/**
 * loadModel(path): a GGUF file or a Hugging Face safetensors folder → Model.
 * Headers, metadata and tokenizer are read and validated in TypeScript first; the
 * native loader then reads only the tensor bytes it was pointed at.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AbortError, InvalidArgumentError, ModelFormatError, ModelNotFoundError, UnsupportedModelError, fromNative } from '../errors';
import { configFromGguf, configFromHf, findArchitecture, mapHfTensor, supportedArchitectures, type Architecture } from './architectures';
import { ChatTemplate } from './ChatTemplate';
import { readGguf, type GgufFile } from './gguf/GgufFile';
import { Model, type ModelInfo } from './Model';
import { native, type NativeModelConfig, type TensorSpec } from './native';
import { openModelFile } from './openModelFile';
import { readJson, readSafetensorsFolder } from './safetensors';
import { Tokenizer } from './tokenizer/Tokenizer';

/** Phases of a load, reported in order to `onProgress`. */
export type LoadPhase = 'header' | 'tokenizer' | 'weights' | 'ready';

/**
 * `native`: our CPU kernels where they apply (the one-op CPU layer, K-quant and affine
 * kernels, our attention), stock MLX elsewhere. `mlx`: exactly what a GPU stream runs, on
 * any device: stock MLX ops for every layer, stock quantized_matmul and attention, K-quants
 * converted to MLX's affine groups at load.
 */
export type ModelKernels = 'native' | 'mlx';

/** Options of {@link loadModel}; every one has a default. */
export interface LoadModelOptions {
  /** Called as loading moves through its phases (for progress bars). */
  onProgress?: (phase: LoadPhase, fraction: number) => void;
  /**
   * KV cache element type. `float16` (the default, as llama.cpp's) halves the cache's memory
   * and the attention's reads; it applies where every layer runs on the CPU kernels and the
   * CPU converts halves in hardware (arm64, x86-64 with AVX2/F16C), and elsewhere (GPU
   * streams, dense weights, older x86) the cache is float32. `float32` keeps it float32
   * everywhere. `model.info.kvCacheType` says which one a loaded model has.
   */
  kvCacheType?: 'float16' | 'float32';
  /**
   * Kernel threads for this model's work (loading, prefill, decode). Defaults to every core
   * of the process's kernel pool (the machine's cores, or COMPILER_EXPERT_THREADS); more than
   * the pool has runs on the pool's. Two models in one process may use different counts.
   */
  threads?: number;
  /** Aborts the load between its phases (the model's memory is released); rejects with AbortError. */
  signal?: AbortSignal;
  /**
   * Which code runs the model (see {@link ModelKernels}). Defaults to `native`, or to `mlx`
   * when COMPILER_EXPERT_STOCK_MLX is set (benchmarks' stock rows, and the GPU path's tests on CPU).
   */
  kernels?: ModelKernels;
}

interface Prepared {
  config: NativeModelConfig;
  manifest: TensorSpec[];
  quantization?: { bits: number; groupSize: number };
  tokenizer: Tokenizer;
  chatTemplate: ChatTemplate;
  info: Omit<ModelInfo, 'weightBytes' | 'decodeBytes' | 'kvCacheType' | 'kernels'>;
}

function architectureOf(name: string, file: string): Architecture {
  const arch = findArchitecture(name);
  if (!arch) throw new UnsupportedModelError(file, `architecture '${name}' (supported: ${supportedArchitectures()})`);
  return arch;
}

function quantizationLabel(types: string[]): string {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  // The types of the big matrices, most common first; norms (F32) only if alone.
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
  const quant = sorted.filter((t) => t !== 'F32');
  return (quant.length ? quant : sorted).join('/');
}

async function prepareGguf(file: string, progress: LoadModelOptions['onProgress']): Promise<Prepared> {
  const f: GgufFile = await readGguf(file);
  const archName = String(f.metadata.get('general.architecture') ?? '');
  const arch = architectureOf(archName, file);
  const config = configFromGguf(arch, f, archName);
  progress?.('tokenizer', 0.2);
  const tokenizer = Tokenizer.fromGguf(f, arch.preTokenizers);
  const tokens = f.metadata.get('tokenizer.ggml.tokens') as string[];
  const special = (k: string) => {
    const id = f.metadata.get(`tokenizer.ggml.${k}_token_id`);
    return typeof id === 'number' ? tokens[id] : undefined;
  };
  const template = f.metadata.get('tokenizer.chat_template');
  const chatTemplate = new ChatTemplate(typeof template === 'string' ? template : undefined, { bos_token: special('bos'), eos_token: special('eos') });
  const manifest = f.tensors.map((t) => ({
    name: t.name, file, type: t.typeName, offset: t.offset, nbytes: t.nbytes, shape: [...t.dims].reverse(),
  }));
  const id = createHash('sha256').update(`${f.fileSize}:`).update(JSON.stringify(f.tensors.map((t) => [t.name, t.typeName, t.offset]))).update(await headerBytes(file)).digest('hex').slice(0, 16);
  return {
    config, manifest, tokenizer, chatTemplate,
    info: {
      path: file, format: 'gguf', id, architecture: config.architecture,
      name: String(f.metadata.get('general.name') ?? path.basename(file)),
      numLayers: config.numLayers, hiddenSize: config.hiddenSize, numHeads: config.numHeads, numKvHeads: config.numKvHeads,
      vocabSize: config.vocabSize, maxContext: config.maxContext,
      quantization: quantizationLabel(f.tensors.map((t) => t.typeName)),
    },
  };
}

async function headerBytes(file: string): Promise<Buffer> {
  const fh = await openModelFile(file);
  try {
    const buf = Buffer.alloc(1 << 20);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function prepareFolder(dir: string, progress: LoadModelOptions['onProgress']): Promise<Prepared> {
  const cfg = await readJson(path.join(dir, 'config.json'));
  const arch = architectureOf(String(cfg.model_type ?? ''), path.join(dir, 'config.json'));
  const config = configFromHf(arch, cfg, dir);
  const specs = await readSafetensorsFolder(dir);
  const manifest: TensorSpec[] = [];
  for (const s of specs) {
    const name = mapHfTensor(arch, s.name);
    if (name) manifest.push({ ...s, name });
  }
  const q = cfg.quantization as { bits?: number; group_size?: number } | undefined;
  const quantization = q && typeof q.bits === 'number' && typeof q.group_size === 'number' ? { bits: q.bits, groupSize: q.group_size } : undefined;
  progress?.('tokenizer', 0.2);
  const tokConfigPath = path.join(dir, 'tokenizer_config.json');
  const tokConfig = existsSync(tokConfigPath) ? await readJson(tokConfigPath) : {};
  const tokenizer = await Tokenizer.fromFile(path.join(dir, 'tokenizer.json'), { ...cfg, ...tokConfig });
  const template = tokConfig.chat_template;
  const str = (v: unknown) => (typeof v === 'string' ? v : (v as { content?: string } | undefined)?.content);
  const chatTemplate = new ChatTemplate(typeof template === 'string' ? template : undefined, { bos_token: str(tokConfig.bos_token), eos_token: str(tokConfig.eos_token) });
  const id = createHash('sha256').update(JSON.stringify(cfg)).update(JSON.stringify(specs.map((s) => [s.name, s.type, s.shape, s.nbytes]))).digest('hex').slice(0, 16);
  return {
    config, manifest, quantization, tokenizer, chatTemplate,
    info: {
      path: dir, format: 'safetensors', id, architecture: config.architecture,
      name: String(cfg._name_or_path ?? path.basename(dir)),
      numLayers: config.numLayers, hiddenSize: config.hiddenSize, numHeads: config.numHeads, numKvHeads: config.numKvHeads,
      vocabSize: config.vocabSize, maxContext: config.maxContext,
      quantization: quantization ? `mlx-${quantization.bits}bit-g${quantization.groupSize}` : quantizationLabel(manifest.map((m) => m.type)),
    },
  };
}

/** Loads a model from a `.gguf` file or a Hugging Face safetensors folder. */
export async function loadModel(modelPath: string, options: LoadModelOptions = {}): Promise<Model> {
  const progress = options.onProgress;
  if (typeof modelPath !== 'string' || modelPath.length === 0) throw new ModelNotFoundError(String(modelPath), 'empty path');
  const kvCacheType = options.kvCacheType ?? 'float16';
  if (kvCacheType !== 'float16' && kvCacheType !== 'float32') {
    throw new InvalidArgumentError(`kvCacheType must be 'float16' or 'float32', not ${JSON.stringify(options.kvCacheType)}`);
  }
  const { threads, signal } = options;
  const kernels = options.kernels ?? (process.env.COMPILER_EXPERT_STOCK_MLX ? 'mlx' : 'native');
  if (kernels !== 'native' && kernels !== 'mlx') throw new InvalidArgumentError(`kernels must be 'native' or 'mlx', not ${JSON.stringify(options.kernels)}`);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new InvalidArgumentError(`threads must be an integer from 1 to 256, not ${JSON.stringify(threads)}`);
  }
  const checkAbort = () => {
    if (signal?.aborted) throw new AbortError('loading the model was aborted');
  };
  checkAbort();
  const resolved = path.resolve(modelPath);
  let st;
  try {
    st = await stat(resolved);
  } catch (err) {
    throw new ModelNotFoundError(resolved, (err as NodeJS.ErrnoException).code);
  }
  progress?.('header', 0);
  let prepared: Prepared;
  if (st.isDirectory()) {
    prepared = await prepareFolder(resolved, progress);
  } else if (resolved.endsWith('.safetensors')) {
    prepared = await prepareFolder(path.dirname(resolved), progress);
  } else {
    prepared = await prepareGguf(resolved, progress);
  }
  if (prepared.tokenizer.vocabSize > prepared.config.vocabSize) {
    throw new ModelFormatError(resolved, `tokenizer has ${prepared.tokenizer.vocabSize} tokens but the model only ${prepared.config.vocabSize}`);
  }
  checkAbort();
  progress?.('weights', 0.3);
  let nativeModel;
  try {
    nativeModel = await native().loadModel({ ...prepared.config, float32Cache: kvCacheType === 'float32', threads: threads ?? 0, stockMlx: kernels === 'mlx' }, prepared.manifest, prepared.quantization);
  } catch (err) {
    throw fromNative(err, resolved);
  }
  if (signal?.aborted) {
    nativeModel.dispose();
    throw new AbortError('loading the model was aborted');
  }
  progress?.('ready', 1);
  const info: ModelInfo = {
    ...prepared.info,
    weightBytes: nativeModel.weightBytes,
    decodeBytes: nativeModel.decodeBytes,
    kvCacheType: nativeModel.kvCacheType,
    kernels,
  };
  return new Model(nativeModel, info, prepared.config, prepared.tokenizer, prepared.chatTemplate);
}
