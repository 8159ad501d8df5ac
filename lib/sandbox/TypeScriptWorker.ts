import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TypeScriptCompilation } from './typescriptCompiler';

/** How a check ended when it produced no compilation. */
export interface CompileFailure {
  failed: 'timeout' | 'crashed';
  message: string;
}

interface Check {
  code: string;
  tests: string[];
  /** Starts the check's clock: when the thread begins it, not while it waits its turn. */
  started: () => void;
  done: (r: TypeScriptCompilation | CompileFailure) => void;
}

/**
 * The host's side of the compiler thread (tsWorker.ts): started on first use, and again after
 * it died or was stopped. The thread checks in arrival order, so the oldest pending check is
 * the one it is working on (the only one whose clock runs): that one fails when the thread
 * dies or the check outlives its timeout, and the checks queued behind it go to the next thread.
 */
export class TypeScriptWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Check>();

  constructor(private readonly typescriptDir: string, private readonly onLog: (message: string) => void) {}

  /** Compiles, or fails when the check itself (not its wait in the queue) takes over `timeoutMs`. */
  compile(code: string, tests: string[], timeoutMs: number): Promise<TypeScriptCompilation | CompileFailure> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.pending.set(id, {
        code,
        tests,
        started: () => {
          clearTimeout(timer);
          timer = setTimeout(() => this.expire(id, timeoutMs), timeoutMs);
        },
        done: (r) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(r);
        },
      });
      this.post(id);
    });
  }

  /** Starts the thread now, so that it has loaded the compiler and its lib files before the first check. */
  warm(): void {
    this.start();
  }

  private post(id: number): void {
    const check = this.pending.get(id)!;
    this.start().postMessage({ id, code: check.code, tests: check.tests });
  }

  private expire(id: number, timeoutMs: number): void {
    const check = this.pending.get(id);
    if (!check) return;
    const failure: CompileFailure = { failed: 'timeout', message: `type-checking exceeded ${timeoutMs} ms` };
    this.restart(failure);
  }

  /** Fails the check the thread is on, ends the thread, and hands the queue to a new one. */
  private restart(failure: CompileFailure): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      this.onLog(`typescript worker stopped: ${failure.message}`);
      worker.removeAllListeners();
      void worker.terminate();
    }
    const [current, ...queued] = this.pending.keys();
    if (current !== undefined) this.pending.get(current)!.done(failure);
    for (const id of queued) this.post(id);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'tsWorker.js'), {
      workerData: { typescriptDir: this.typescriptDir },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('message', (m: { type: 'start' | 'done'; id: number; compilation: TypeScriptCompilation }) => {
      const check = this.pending.get(m.id);
      if (m.type === 'start') check?.started();
      else check?.done(m.compilation);
    });
    worker.once('error', (e) => this.restart({ failed: 'crashed', message: `the TypeScript compiler failed: ${e.message}` }));
    worker.once('exit', (code) => this.restart({ failed: 'crashed', message: `the TypeScript compiler exited (${code})` }));
    this.worker = worker;
    return worker;
  }
}
