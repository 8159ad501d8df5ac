import { Worker, type ResourceLimits } from 'node:worker_threads';
import { Channel } from './channel';
import type { WorkerMessage } from './protocol';

/** A worker that has booted (or is booting) and waits for its one job. */
export interface WarmWorker {
  /** Resolves once the worker reported ready; rejects if it died first. */
  readonly ready: Promise<{ worker: Worker; channel: Channel }>;
  readonly memoryMb: number;
  /** True once it failed to start (a pool skips it). */
  readonly failed: boolean;
  /** True once disposed: it will run nothing more. */
  readonly disposed: boolean;
  /** Terminates the worker, booted or not. Idempotent. */
  dispose(): void;
}

/** Options of {@link spawnWarmWorker}. */
export interface SpawnOptions {
  file: string;
  memoryMb: number;
  resourceLimits: ResourceLimits;
  /** Delays the spawn until this resolves (Python waits for its snapshot). */
  workerData?: () => Promise<unknown> | unknown;
  onLog?: (message: string) => void;
}

/** Starts a worker in the background; see {@link WarmWorker}. */
export function spawnWarmWorker(options: SpawnOptions): WarmWorker {
  let disposed = false;
  let worker: Worker | undefined;
  const ready = (async () => {
    const data = options.workerData ? await options.workerData() : undefined;
    if (disposed) throw new Error('disposed before start');
    worker = new Worker(options.file, { workerData: data, resourceLimits: options.resourceLimits, stdout: true, stderr: true });
    const w = worker;
    // The worker's own console output is noise at best; the protocol owns our stdout.
    w.stdout.resume();
    w.stderr.resume();
    return new Promise<{ worker: Worker; channel: Channel }>((resolve, reject) => {
      const onMessage = (m: WorkerMessage | { type: 'log'; message: string }) => {
        if (m.type === 'log') return options.onLog?.(m.message);
        if (m.type !== 'ready') return;
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        try {
          resolve({ worker: w, channel: new Channel(m.channel) });
        } catch (e) {
          reject(e);
        }
      };
      const onError = (e: Error) => reject(e);
      const onExit = (code: number) => reject(new Error(`worker exited with code ${code} before it was ready`));
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
    });
  })();
  // A warm worker may never be used; its failure must not surface as an unhandled rejection.
  let failed = false;
  ready.catch((e: unknown) => {
    failed = true;
    options.onLog?.(`warm worker failed: ${e instanceof Error ? e.message : String(e)}`);
  });
  return {
    ready,
    memoryMb: options.memoryMb,
    get failed() {
      return failed;
    },
    get disposed() {
      return disposed;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      void worker?.terminate();
    },
  };
}
