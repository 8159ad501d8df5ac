/** The sandbox: run untrusted JavaScript, TypeScript and Python in a jailed host process. */
export * from './types';
export * from './errors';
export type { JailReport, JailLauncher } from './JailReport';
export { Sandbox, type SandboxOptions, DEFAULT_JS_POOL_SIZE, DEFAULT_JS_RUNS_PER_WORKER, DEFAULT_PYTHON_POOL_SIZE, DEFAULT_PYTHON_RUNS_PER_WORKER, DEFAULT_ADDRESS_SPACE_MB, DEFAULT_WASM_MEMORY_MB, DEFAULT_HOST_CPU_SECONDS, DEFAULT_HOST_GRACE_MS } from './Sandbox';
export { execCommand } from './execCommand';
