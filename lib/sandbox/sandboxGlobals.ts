/**
 * TypeScript declarations of what the JS sandbox provides (see contextPrelude.ts), so model-
 * written TypeScript type-checks against the sandbox, not against Node or the DOM.
 */
export const SANDBOX_GLOBALS_DTS = `
interface SandboxConsole {
  log(...data: any[]): void; info(...data: any[]): void; debug(...data: any[]): void;
  error(...data: any[]): void; warn(...data: any[]): void; trace(...data: any[]): void;
  dir(item?: any, options?: any): void; table(data?: any, columns?: string[]): void;
  group(...label: any[]): void; groupEnd(): void; count(label?: string): void;
  time(label?: string): void; timeEnd(label?: string): void; timeLog(label?: string, ...data: any[]): void;
  assert(condition?: boolean, ...data: any[]): void;
}
declare var console: SandboxConsole;
interface SandboxAssert {
  (value: unknown, message?: string): asserts value;
  ok(value: unknown, message?: string): asserts value;
  equal(actual: unknown, expected: unknown, message?: string): void;
  strictEqual(actual: unknown, expected: unknown, message?: string): void;
  notEqual(actual: unknown, expected: unknown, message?: string): void;
  notStrictEqual(actual: unknown, expected: unknown, message?: string): void;
  deepEqual(actual: unknown, expected: unknown, message?: string): void;
  deepStrictEqual(actual: unknown, expected: unknown, message?: string): void;
  notDeepEqual(actual: unknown, expected: unknown, message?: string): void;
  notDeepStrictEqual(actual: unknown, expected: unknown, message?: string): void;
  throws(fn: () => unknown, expected?: unknown, message?: string): void;
  fail(message?: string): never;
}
declare var assert: SandboxAssert;
declare function setTimeout(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): number;
declare function setInterval(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): number;
declare function setImmediate(handler: (...args: any[]) => void, ...args: any[]): number;
declare function clearTimeout(id?: number): void;
declare function clearInterval(id?: number): void;
declare function clearImmediate(id?: number): void;
declare function queueMicrotask(callback: () => void): void;
declare var process: {
  stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean };
  argv: string[]; env: Record<string, string | undefined>; platform: string; exitCode: number | undefined;
  exit(code?: number): never; nextTick(fn: (...args: any[]) => void, ...args: any[]): void;
  hrtime: { bigint(): bigint };
};
declare function require(id: string): any;
declare var module: { exports: any };
declare var exports: any;
`;
