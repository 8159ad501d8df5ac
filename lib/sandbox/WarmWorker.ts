import { Worker, type ResourceLimits } from 'node:worker_threads';
import { Channel } from './channel';
import type { WorkerMessage } from './protocol';

/** What a ready worker offers its next job: the thread and the output channel of its fresh context. */
export interface BootedWorker {
  worker: Worker;
  channel: Channel;
}

/** A worker that has booted (or is booting) and waits for its next job. */
export interface WarmWorker {
  /** Resolves once the worker reported ready; rejects if it died first. */
  readonly ready: Promise<BootedWorker>;
  readonly memoryMb: number;
  /** True once it failed to start or died (a pool skips it). */
  readonly failed: boolean;
  /** True once disposed: it will run nothing more. */
  readonly disposed: boolean;
  /** Jobs the worker ran before the one this handle is for (0 for a fresh worker). */
  readonly jobsBefore: number;
  /** Terminates the worker, booted or not. Idempotent. */
  dispose(): void;
  /**
   * After a job that ended cleanly (the worker was kept, see runInWorker's `keep`): asks the
   * worker to prepare a fresh context and returns the handle of its next job. This handle is
   * spent; disposing it no longer stops the worker. Only workers whose entry answers `next`
   * (the JS worker) can be reused this way.
   */
  next(): WarmWorker;
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
  const life = new WorkerLife(options.onLog);
  const ready = (async () => {
    const data = options.workerData ? await options.workerData() : undefined;
    if (life.disposed) throw new Error('disposed before start');
    const w = new Worker(options.file, { workerData: data, resourceLimits: options.resourceLimits, stdout: true, stderr: true });
    // The worker's own console output is noise at best; the protocol owns our stdout.
    w.stdout.resume();
    w.stderr.resume();
    life.attach(w);
    return awaitReady(w, options.onLog);
  })();
  return life.handle(ready, options.memoryMb, 0);
}

/**
 * One worker thread across the handles of its jobs: whether it was disposed or has died.
 * A death between jobs (nobody else listens then) only marks it failed, never reaches the
 * host as an unhandled 'error'.
 */
class WorkerLife {
  worker: Worker | undefined;
  disposed = false;
  dead = false;
  constructor(private readonly onLog?: (message: string) => void) {}

  attach(w: Worker): void {
    this.worker = w;
    w.on('error', () => (this.dead = true));
    w.on('exit', () => (this.dead = true));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.worker?.terminate();
  }

  handle(ready: Promise<BootedWorker>, memoryMb: number, jobsBefore: number): WarmWorker {
    let failed = false;
    let spent = false;
    // A warm worker may never be used; its failure must not surface as an unhandled rejection.
    ready.catch((e: unknown) => {
      failed = true;
      this.onLog?.(`warm worker failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    const life = this;
    return {
      ready,
      memoryMb,
      jobsBefore,
      get failed() {
        return failed || life.dead;
      },
      get disposed() {
        return life.disposed;
      },
      dispose() {
        if (!spent) life.dispose();
      },
      next() {
        if (spent) throw new Error('this worker handle was already passed on');
        spent = true;
        const w = life.worker;
        if (!w || life.disposed || life.dead) return life.handle(Promise.reject(new Error('the worker is gone')), memoryMb, jobsBefore + 1);
        const again = awaitReady(w, life.onLog);
        w.postMessage({ type: 'next' });
        return life.handle(again, memoryMb, jobsBefore + 1);
      },
    };
  }
}

/** The worker's next `ready` (with its context's output channel); rejects if it dies first. */
function awaitReady(w: Worker, onLog?: (message: string) => void): Promise<BootedWorker> {
  return new Promise<BootedWorker>((resolve, reject) => {
    const done = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (m: WorkerMessage | { type: 'log'; message: string }) => {
      if (m.type === 'log') return onLog?.(m.message);
      if (m.type !== 'ready') return;
      done();
      try {
        resolve({ worker: w, channel: new Channel(m.channel) });
      } catch (e) {
        reject(e);
      }
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`worker exited with code ${code} before it was ready`));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
  });
}
