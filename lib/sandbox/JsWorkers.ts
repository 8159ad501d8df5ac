/**
 * The host's JavaScript workers (TypeScript runs here too, once checked). Starting a worker
 * thread costs ~40 ms of CPU on a small machine, more than most runs, so a worker that ended
 * its job cleanly runs more jobs, each in a fresh context of its own (see jsWorker.ts), up to
 * `runsPerWorker`; one stopped mid-run (timeout, memory, output, cancel) or broken is
 * terminated, as before. At most `runsAtOnce` runs hold a worker at once, the rest wait in
 * order (a burst of 100 runs must not start 100 threads).
 */
import type { WarmWorker } from './WarmWorker';
import { runInWorker, type OtherWork } from './runInWorker';
import { Turns } from './Turns';
import type { WorkerJob } from './protocol';
import type { RunResult, SandboxLimits } from './types';

/** What a JS worker is made for: its heap limit and the size of its contexts' output channels. */
export interface WorkerMade {
  memoryMb: number;
  outputBytes: number;
}

export interface JsWorkersOptions {
  /** Idle workers kept ready (booted ahead of the runs that will take them). */
  poolSize: number;
  /** Runs holding a worker at once. */
  runsAtOnce: number;
  /** Jobs one worker runs before it is replaced; 1 gives every run a fresh worker. */
  runsPerWorker: number;
  /** Limits the pooled workers are made for (heap, output channel); a run asking for others gets a worker of its own. */
  made: WorkerMade;
  spawn(made: WorkerMade): WarmWorker;
  /** See runInWorker's `others`. */
  others?: OtherWork;
}

/** Hooks of one run: told when it has to wait for a turn, and when it starts. */
export interface TurnHooks {
  cancelled: Promise<void>;
  onQueued(): void;
  onStarted(): void;
}

export class JsWorkers {
  private readonly idle: WarmWorker[] = [];
  /** Pooled workers out on a job that may come back. */
  private out = 0;
  private readonly turns: Turns;
  /** Threads started so far (a diagnostic: reuse shows as far fewer than runs). */
  started = 0;

  constructor(private readonly options: JsWorkersOptions) {
    this.turns = new Turns(Math.max(1, options.runsAtOnce));
  }

  /** Boots idle workers up to the pool size, counting those out on a job as coming back. */
  fill(): void {
    while (this.idle.length + this.out < this.options.poolSize) this.idle.push(this.spawn(this.options.made));
  }

  /** Runs a job in a turn; resolves undefined if it was cancelled while it waited. */
  async run(job: WorkerJob, limits: SandboxLimits, hooks: TurnHooks): Promise<RunResult | undefined> {
    return this.turns.run(async (waited) => {
      // A run's clock starts when it has its worker, not while it waits for a turn.
      if (waited) hooks.onStarted();
      const { made } = this.options;
      const pooled = limits.memoryMb === made.memoryMb && limits.outputBytes === made.outputBytes;
      const warm = pooled ? this.take() : this.spawn({ memoryMb: limits.memoryMb, outputBytes: limits.outputBytes });
      try {
        return await runInWorker(warm, job, limits, { watchRss: true, others: this.options.others, cancelled: hooks.cancelled, keep: pooled && this.options.runsPerWorker > 1 });
      } finally {
        if (pooled) this.giveBack(warm);
        else warm.dispose();
      }
    }, hooks.cancelled, hooks.onQueued);
  }

  private take(): WarmWorker {
    while (this.idle.length > 0 && this.idle[0].failed) this.idle.shift()!.dispose();
    this.out++;
    return this.idle.shift() ?? this.spawn(this.options.made);
  }

  /** After its job: a worker that ended cleanly and has runs left goes back first in line. */
  private giveBack(warm: WarmWorker): void {
    this.out--;
    const maxIdle = Math.max(this.options.poolSize, this.options.runsAtOnce);
    if (!warm.disposed && !warm.failed && warm.jobsBefore + 1 < this.options.runsPerWorker && this.idle.length < maxIdle) {
      this.idle.unshift(warm.next());
    } else {
      warm.dispose();
    }
    this.fill();
  }

  private spawn(made: WorkerMade): WarmWorker {
    this.started++;
    return this.options.spawn(made);
  }
}
