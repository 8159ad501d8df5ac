import { channelCapacity, HEADER_BYTES, SLOT_CAP, SLOT_OVERFLOW, SLOT_STDERR, SLOT_STDOUT } from './channelLayout';

/** Atomics.waitAsync exists in Node 20 but not in the ES2022 lib typings. */
interface AtomicsWithWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
}

/** Host-side view of an output channel (see channelLayout.ts). */
export class Channel {
  private readonly header: Int32Array;
  private readonly data: Uint16Array;
  /** Code units each stream holds. */
  readonly capacity: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.capacity = channelCapacity(buffer.byteLength);
    if (Number.isNaN(this.capacity)) throw new RangeError(`output channel has ${buffer.byteLength} bytes, which no channel has`);
    this.header = new Int32Array(buffer, 0, 4);
    this.data = new Uint16Array(buffer, HEADER_BYTES, 2 * this.capacity);
  }

  /** Arms the channel for a run with the given cap (code units, stdout + stderr). */
  arm(cap: number): void {
    Atomics.store(this.header, SLOT_STDOUT, 0);
    Atomics.store(this.header, SLOT_STDERR, 0);
    Atomics.store(this.header, SLOT_OVERFLOW, 0);
    Atomics.store(this.header, SLOT_CAP, Math.max(0, Math.min(cap, this.capacity)));
  }

  /** Resolves when the writer flags an overflow; never rejects. */
  onOverflow(): Promise<void> {
    // waitAsync returns synchronously when the flag is already set.
    const waited = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.header, SLOT_OVERFLOW, 0);
    return waited.async ? (waited.value as Promise<string>).then(() => undefined) : Promise.resolve();
  }

  get overflowed(): boolean {
    return Atomics.load(this.header, SLOT_OVERFLOW) !== 0;
  }

  stdout(): string {
    return this.read(SLOT_STDOUT, 0);
  }

  stderr(): string {
    return this.read(SLOT_STDERR, this.capacity);
  }

  private read(slot: number, offset: number): string {
    // The writer is untrusted: clamp whatever length it left behind.
    const n = Math.max(0, Math.min(Atomics.load(this.header, slot), this.capacity));
    const copy = this.data.slice(offset, offset + n);
    return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('utf16le');
  }
}

/** Numbers of the layout that {@link makeChannelWriter} needs, passed in because its source also runs inside a vm context. */
export const CHANNEL_LAYOUT = { header: HEADER_BYTES, stdout: SLOT_STDOUT, stderr: SLOT_STDERR, overflow: SLOT_OVERFLOW, cap: SLOT_CAP };

/**
 * Makes `write(stream, text) → boolean` over a channel buffer: stream 0 is stdout, 1 is
 * stderr; false once the cap is hit (the overflow slot is then set and notified). Its source
 * is also embedded in the JS prelude, so it uses nothing but its arguments and builtins.
 */
export function makeChannelWriter(sab: SharedArrayBuffer, L: typeof CHANNEL_LAYOUT): (stream: number, text: string) => boolean {
  const capacity = (sab.byteLength - L.header) / 4;
  const header = new Int32Array(sab, 0, 4);
  const data = new Uint16Array(sab, L.header, 2 * capacity);
  return function write(stream: number, text: string): boolean {
    const slot = stream === 1 ? L.stderr : L.stdout;
    const cap = Atomics.load(header, L.cap);
    const room = cap - Atomics.load(header, L.stdout) - Atomics.load(header, L.stderr);
    const n = text.length < room ? text.length : room > 0 ? room : 0;
    const base = (stream === 1 ? capacity : 0) + Atomics.load(header, slot);
    for (let i = 0; i < n; i++) data[base + i] = text.charCodeAt(i);
    Atomics.add(header, slot, n);
    if (n < text.length) {
      Atomics.store(header, L.overflow, 1);
      Atomics.notify(header, L.overflow);
      return false;
    }
    return true;
  };
}

/** Source of `const makeChannelWriter = …` for the vm prelude. */
export const CHANNEL_WRITER_SOURCE = `const CHANNEL_LAYOUT = ${JSON.stringify(CHANNEL_LAYOUT)};
const makeChannelWriter = ${makeChannelWriter.toString()};`;
