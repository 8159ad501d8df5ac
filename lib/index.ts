/**
 * compiler-expert: a language model running in-process on MLX, with a compiler
 * expert that executes the code it writes and injects the verdict into its KV cache.
 *
 * The root is the library: models and sessions, the generator and its strategies, the
 * experts and their plugin interface, the sandbox, routing, errors and their types.
 * The benchmark, the routing-probe training and the test generator are subpaths:
 * `compiler-expert/bench`, `compiler-expert/probe`, `compiler-expert/testgen`.
 */
export * from './errors';
export * from './runtime';
export * from './experts';
export * from './detect';
export * from './sandbox';
export * from './generate';
export * from './routing';
