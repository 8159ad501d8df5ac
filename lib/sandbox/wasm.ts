/**
 * The part of the WebAssembly global the sandbox uses, typed here because the project's
 * TypeScript libs (ES2022 without DOM) do not declare it.
 */
export interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  /** Bytes → { instance, module }; a compiled module → its instance. */
  instantiate(source: unknown, imports?: object): Promise<unknown>;
  Table: { prototype: object };
}

/** A wasm table: only its length is read. */
export type WasmTable = { readonly length: number };

export const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
