/**
 * Layout of the output channel: a SharedArrayBuffer that the code's console writes into and
 * the host reads after the run, so output survives a timeout or a killed worker. Only the
 * host trusts the lengths after clamping them; the data is plain UTF-16 code units.
 */

/** Int32 slot: code units written to stdout. */
export const SLOT_STDOUT = 0;
/** Int32 slot: code units written to stderr. */
export const SLOT_STDERR = 1;
/** Int32 slot: set to 1 (and notified) when the output cap was hit. */
export const SLOT_OVERFLOW = 2;
/** Int32 slot: the cap for this run (stdout + stderr), written by the host before the job. */
export const SLOT_CAP = 3;
/** Bytes of the Int32 header. */
export const HEADER_BYTES = 16;
/** Most code units one stream can hold; a request's outputBytes is clamped to this. */
export const STREAM_CAPACITY = 1 << 20;

/**
 * Size of a channel whose streams hold `capacity` code units each (clamped to 1 ..
 * {@link STREAM_CAPACITY}). A run's cap counts both streams together, so a channel made for
 * the run's outputBytes never overflows before the cap does. Sized to the run, not to the
 * maximum: a JS worker makes one per job, and its garbage (4 MiB at the maximum) waits for
 * the collector.
 */
export function channelBytes(capacity: number): number {
  const c = Math.max(1, Math.min(STREAM_CAPACITY, Math.floor(capacity) || 1));
  return HEADER_BYTES + 2 * c * 2;
}

/** Code units one stream of a channel buffer of `bytes` holds; NaN for a size no channel has. */
export function channelCapacity(bytes: number): number {
  const c = (bytes - HEADER_BYTES) / 4;
  return Number.isInteger(c) && c >= 1 && c <= STREAM_CAPACITY ? c : NaN;
}
