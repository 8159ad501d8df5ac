/**
 * Messages between the caller's {@link Sandbox} and the jailed host process (newline-
 * delimited JSON over the host's stdin/stdout), and between the host and its workers.
 */
import type { Language, RunResult, SandboxLimits } from './types';

/** Caller → host. */
export type HostRequest =
  | { type: 'run'; id: number; language: Language; code: string; tests: string[]; limits: SandboxLimits; isolation?: 'shared' }
  /** Stop run `id` now (its worker is terminated); the host still answers it, and the caller ignores that. */
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

/** Host → caller. `cpuMs` lets the caller recycle the host before its CPU rlimit ends it. */
export type HostResponse =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; result: RunResult; cpuMs: number }
  /**
   * Run `id` waits for a turn (too many Python runs at once): the caller holds its deadline
   * until `started`, then gives it the whole deadline from there.
   */
  | { type: 'queued'; id: number }
  | { type: 'started'; id: number }
  | { type: 'log'; message: string }
  /**
   * A Python boot snapshot the host had to make, for the caller to keep on disk: base64 in
   * `parts` messages, so that no single write holds up the host's results.
   */
  | { type: 'snapshot'; part: number; parts: number; data: string };

/** A wasm module compiled by the host for its workers (a WebAssembly.Module), and its file's size. */
export interface CompiledWasm {
  module: object;
  bytes: number;
}

/** Host → worker: a job, run in the context the worker's last `ready` announced. */
export interface WorkerJob {
  type: 'job';
  code: string;
  tests: string[];
}

/** Host → JS worker, after a job that ended cleanly: make a fresh context for one more job (answered by `ready`). */
export interface WorkerNext {
  type: 'next';
}

/** Worker → host. `result` is a JSON string built inside the sandbox; the host validates it. */
export type WorkerMessage =
  | { type: 'ready'; channel: SharedArrayBuffer }
  | { type: 'snapshot'; snapshot: Uint8Array }
  /** `fatal`: the interpreter itself broke during the job; it must not run another. */
  | { type: 'done'; result: string; fatal?: boolean };
