/**
 * compiler-expert: a language model running in-process on MLX, with a compiler
 * expert that executes the code it writes and injects the verdict into its KV cache.
 */
export * from './errors';
export * from './runtime';
export * from './experts';
export * from './detect';
export * from './testgen';
export * from './sandbox';
export * from './generate';
export * from './routing';
export * from './bench';
export * from './probe';
