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
/** Total size of a channel buffer. */
export const CHANNEL_BYTES = HEADER_BYTES + 2 * STREAM_CAPACITY * 2;
