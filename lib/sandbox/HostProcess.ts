import { spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import type { JailPlan } from './jail';
import type { HostRequest, HostResponse } from './protocol';
import type { RunResult } from './types';

/** How a host process ended, for the runs it takes down with it. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines the host wrote to stderr (V8 prints its fatal OOM there). */
  stderrTail: string;
}

const STDERR_TAIL_CHARS = 8192;

/** What a run's sender hears before its result: it waits in the host for a turn, then starts. */
export interface RunProgress {
  onQueued?: () => void;
  onStarted?: () => void;
}

/**
 * One running sandbox host, seen from the caller: spawns it from a {@link JailPlan}, sends
 * requests, routes results by id, and fails every pending run if the host dies.
 */
export class HostProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (r: { result: RunResult; cpuMs: number } | HostExit) => void } & RunProgress>();
  private stderrTail = '';
  private exitInfo: HostExit | undefined;
  private nextId = 1;
  /** Resolves once the host said ready; rejects if it died first. */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<HostExit>;

  /**
   * @param onLog the host's diagnostics
   * @param onSnapshot a Python boot snapshot the host made, to keep on disk
   */
  constructor(plan: JailPlan, private readonly onLog: (message: string) => void, onSnapshot?: (snapshot: Uint8Array) => void) {
    this.child = spawn(plan.command, plan.args, { env: plan.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    // Writes to a dead host fail with EPIPE; the exit handler reports the runs.
    this.child.stdin!.on('error', (e) => this.onLog(`host stdin: ${e.message}`));
    let markReady!: () => void;
    let failReady!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    this.ready.catch(() => undefined);
    let snapshotParts: Buffer[] = [];
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let msg: HostResponse;
      try {
        msg = JSON.parse(line) as HostResponse;
      } catch (e) {
        this.onLog(`unreadable host output: ${(e as Error).message}: ${line.slice(0, 200)}`);
        return;
      }
      if (msg.type === 'ready') markReady();
      else if (msg.type === 'log') this.onLog(msg.message);
      else if (msg.type === 'snapshot') {
        if (msg.part === 0) snapshotParts = [];
        snapshotParts.push(Buffer.from(msg.data, 'base64'));
        if (msg.part === msg.parts - 1 && snapshotParts.length === msg.parts) onSnapshot?.(Buffer.concat(snapshotParts));
      }
      else if (msg.type === 'queued') this.pending.get(msg.id)?.onQueued?.();
      else if (msg.type === 'started') this.pending.get(msg.id)?.onStarted?.();
      else if (msg.type === 'result') {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p?.resolve({ result: msg.result, cpuMs: msg.cpuMs });
      }
    });
    this.exited = new Promise<HostExit>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal, stderrTail: this.stderrTail };
        failReady(new Error(`sandbox host exited (${signal ?? code}) before it was ready: ${this.stderrTail.slice(-1000)}`));
        for (const p of this.pending.values()) p.resolve(this.exitInfo);
        this.pending.clear();
        resolve(this.exitInfo);
      };
      this.child.once('exit', finish);
      this.child.once('error', (e) => {
        this.stderrTail += `\nspawn failed: ${e.message}`;
        finish(null, null);
      });
    });
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Sends a run; resolves with its result, or with the host's exit if it died first.
   * `progress` hears when the run has to wait in the host for a turn and when it starts.
   */
  send(req: Omit<Extract<HostRequest, { type: 'run' }>, 'id'>, signal?: AbortSignal, progress: RunProgress = {}): Promise<{ result: RunResult; cpuMs: number } | HostExit> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, ...progress });
      this.child.stdin!.write(JSON.stringify({ ...req, id }) + '\n');
      // The host terminates the run's worker and still answers (the answer is then ignored).
      signal?.addEventListener('abort', () => {
        if (this.pending.has(id) && !this.exitInfo) this.child.stdin!.write(JSON.stringify({ type: 'cancel', id }) + '\n');
      }, { once: true });
    });
  }

  /** Kills the host at once (the jail dies with it: bwrap runs with --die-with-parent). */
  kill(): void {
    if (this.exitInfo) return;
    this.child.kill('SIGKILL');
  }

  /** Asks the host to exit, then kills it if it has not after `graceMs`. */
  async close(graceMs = 1000): Promise<void> {
    if (this.exitInfo) return;
    this.child.stdin!.end(JSON.stringify({ type: 'shutdown' }) + '\n');
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
