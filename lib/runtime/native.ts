/**
 * The one place that loads the native addon, and the types of its whole surface.
 * node-gyp-build takes a local build (build/Release) when there is one, else the prebuilt
 * binary in prebuilds/<platform>-<arch>/.
 */
import { NativeLoadError } from '../errors';
import { PACKAGE_ROOT } from '../paths';

/** Architecture-independent model configuration (see native/models/transformer.h). */
export interface NativeModelConfig {
  architecture: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  ropeTheta: number;
  ropeTraditional: boolean;
  /** Per-head RMSNorm of queries and keys before RoPE (tensors attn_q_norm / attn_k_norm). */
  qkNorm?: boolean;
  rmsNormEps: number;
  maxContext: number;
  /** Keep the KV cache float32 even where the CPU layers could keep it float16. */
  float32Cache?: boolean;
  /** Kernel threads for this model's work; 0: the whole pool. */
  threads?: number;
  /** Stock MLX ops throughout (loadModel's `kernels: 'mlx'`). */
  stockMlx?: boolean;
}

/** Where one tensor's bytes are (see native/loader/tensor_store.h). */
export interface TensorSpec {
  name: string;
  file: string;
  type: string;
  offset: number;
  nbytes: number;
  shape: number[];
}

export interface NativeSampling {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
}

export interface NativeSession {
  readonly length: number;
  append(tokens: Int32Array): Promise<number>;
  step(sampling: NativeSampling, captureLayers: Int32Array | null): Promise<{ token: number; hidden?: Float32Array }>;
  /** A copy of this session (tokens, logits, KV cache); its stream starts at `seed`, else one derived from this session's. */
  fork(seed?: number): Promise<NativeSession>;
  /** Restarts the random stream from `seed`. */
  reseed(seed: number): Promise<void>;
  rewind(n: number): Promise<number>;
  hiddenStates(layers: Int32Array, positions: Int32Array): Promise<Float32Array>;
  logits(): Promise<Float32Array>;
  dispose(): void;
}

export interface NativeModel {
  readonly weightBytes: number;
  readonly decodeBytes: number;
  readonly kvCacheType: 'float16' | 'float32';
  /** Bytes of dead forks' cache buffers kept for the next forks. */
  readonly forkPoolBytes: number;
  createSession(contextLength: number, seed: number): NativeSession;
  /** One token for each session in one forward pass. */
  stepBatch(sessions: NativeSession[], sampling: NativeSampling | NativeSampling[], captureLayers: Int32Array | null): Promise<{ token: number; hidden?: Float32Array }[]>;
  dispose(): void;
}

export interface NativeAddon {
  loadModel(config: NativeModelConfig, manifest: TensorSpec[], quantization?: { bits: number; groupSize: number }): Promise<NativeModel>;
  mlxVersion: string;
  /** Which CPU kernel the quantized layers use here: `avx512-vnni`, `avx2`, `neon-dotprod` or `portable` (`COMPILER_EXPERT_KERNEL=avx2|portable` caps it). */
  cpuKernel: string;
  /** Whether the `avx512-vnni` tier also multiplies packed Q4_K by AMX int8 tiles (16 or more rows of x; `COMPILER_EXPERT_AMX=0` turns it off). */
  amx: boolean;
  /** Test hook: x [M, K] times N rows of GGUF Q4_K/Q6_K blocks (type id 12/14) through our kernel. */
  /** The kernel runs `repeats` times (default 1); `ms` is the fastest run. */
  kquantCheck(type: number, blocks: Uint8Array, x: Float32Array, M: number, N: number, K: number, threads: number, kernel?: 'avx2' | 'portable' | '', repeats?: number): Promise<{ ours: Float32Array; kernel: string; ms: number }>;
  /** Benchmark hook: int8 multiply-adds per second (billions) the active kernel tier's inner step reaches on registers alone on `threads` threads: the ceiling the quantized kernels stay under. */
  int8MacCeiling(threads: number): Promise<{ gmacs: number; kernel: string }>;
  /** Test hook: one quantized linear layer through our kernel (`kernel` caps it: `avx2` or `portable`) and through stock MLX. */
  kernelCheck(x: Float32Array, w: Uint32Array, scales: Float32Array, biases: Float32Array, M: number, N: number, K: number, bits: number, group: number, threads: number, halfScales: boolean, kernel?: 'avx2' | 'portable'): Promise<{ ours: Float32Array; reference: Float32Array; kernel: string }>;
  /** Test hook: `count` draws of the sampler from one row of logits, its generator seeded once with `seed`. */
  sampleCheck(logits: Float32Array, sampling: NativeSampling, seed: number, count: number): Int32Array;
  /** Gets (and with an argument, sets) the kernels' thread count. */
  threadCount(n?: number): number;
  /** Test hook: threads the last parallel kernel call split its work over. */
  lastParallelParts(): number;
  /** Test hook: how often each of our MLX primitives ran in this process. */
  opCounts(): { cpuLayer: number; quantizedLinear: number; kquantLinear: number; attention: number };
}

let addon: NativeAddon | undefined;

export { PACKAGE_ROOT };

/** Loads the addon once; a clear error says what to run when it is missing. */
export function native(): NativeAddon {
  if (addon) return addon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    addon = load(PACKAGE_ROOT);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new NativeLoadError(
      `cannot load the compiler-expert native addon: ${msg}\n` +
        `No prebuilt binary for ${process.platform}-${process.arch} and no local build. ` +
        'Build it from source with `npm run build:native` (installs the pinned MLX wheel into .mlx/, ' +
        'or uses MLX_DIR=/path/to/share/cmake/MLX).',
      err,
    );
  }
  return addon;
}
