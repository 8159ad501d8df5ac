/**
 * A counting gate: at most `size` callers hold a turn at once, the others wait in order.
 * A waiter can give up before its turn comes (its `abandon` resolves first): it leaves the
 * queue, and one that already has its turn keeps it.
 */
export class Turns {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Turns needs a whole size of at least 1, got ${size}`);
  }

  /** Callers holding a turn now. */
  get holding(): number {
    return this.active;
  }

  /**
   * Runs `fn` in a turn (`waited`: whether it had to queue for it; then `onQueued` was called
   * as it joined the queue); resolves `undefined` without running it if `abandon` comes first.
   */
  async run<T>(fn: (waited: boolean) => Promise<T>, abandon?: Promise<unknown>, onQueued?: () => void): Promise<T | undefined> {
    const waited = this.active >= this.size;
    if (waited) onQueued?.();
    if (!(await this.acquire(abandon))) return undefined;
    try {
      return await fn(waited);
    } finally {
      this.release();
    }
  }

  private acquire(abandon?: Promise<unknown>): Promise<boolean> {
    if (this.active < this.size) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const admit = () => {
        settled = true;
        resolve(true);
      };
      this.waiting.push(admit);
      void abandon?.then(() => {
        if (settled) return;
        settled = true;
        const at = this.waiting.indexOf(admit);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(false);
      });
    });
  }

  // A finished turn goes straight to the next waiter (the count stays), else it is freed.
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
