/**
 * Many sequences of one model decoded together: one forward pass gives every session its
 * next token (each weight row is read once for all of them; decode of one sequence is bound
 * by memory bandwidth, so N sequences cost far less than N times one). Sessions may be at
 * different lengths; each keeps its own cache, sampling options and random stream.
 */
import { AbortError, InvalidArgumentError } from '../errors';
import type { NativeModel } from './native';
import { nativeSampling, Session, TokenStream, type GenerateOptions, type GenerationSummary, type StepOptions, type StepResult } from './Session';

/** Options of {@link stepBatch}: shared by all sessions, or sampling per session. */
export interface BatchStepOptions extends Omit<StepOptions, 'sampling'> {
  /** One set of sampling options for all sessions, or one per session. */
  sampling?: StepOptions['sampling'] | NonNullable<StepOptions['sampling']>[];
}

/** A token of one member of a batched generation. */
export interface BatchToken {
  /** Index of the session in the list given to `generateBatch`. */
  index: number;
  token: number;
  /** The text this token completed (may be '' mid-character). */
  text: string;
}

function checkSessions(sessions: readonly Session[]): void {
  if (!Array.isArray(sessions) || sessions.length === 0) throw new InvalidArgumentError('a batch needs at least one session');
  if (new Set(sessions).size !== sessions.length) throw new InvalidArgumentError('a session appears twice in the batch');
  for (const [i, s] of sessions.entries()) if (!(s instanceof Session)) throw new InvalidArgumentError(`sessions[${i}] is not a Session`);
}

/** One step of every session in one forward pass; results in the order of `sessions`. */
export function stepBatch(model: NativeModel, sessions: readonly Session[], options: BatchStepOptions = {}): Promise<StepResult[]> {
  try {
    checkSessions(sessions);
  } catch (e) {
    return Promise.reject(e);
  }
  const { sampling, captureLayers } = options;
  if (Array.isArray(sampling) && sampling.length !== sessions.length) {
    return Promise.reject(new InvalidArgumentError('one set of sampling options per session'));
  }
  const params = Array.isArray(sampling) ? sampling.map(nativeSampling) : nativeSampling(sampling);
  const layers = captureLayers?.length ? Int32Array.from(captureLayers) : null;
  return Session.runTogether(sessions, async (natives) => {
    const results = await model.stepBatch(natives, params, layers);
    return results.map((r, i) => {
      sessions[i]._pushToken(r.token);
      return sessions[i]._result(r, layers);
    });
  });
}

/**
 * Generates from every session at once, batched: yields each member's tokens as they come
 * and drops a member from the batch when it stops (stop token, stop string, its own budget,
 * a full context) while the others go on. `options` applies to all members, or one per
 * member (each with its own sampling, seed, budget and stops). The return value holds one
 * summary per session, in order.
 */
export async function* generateBatch(
  model: NativeModel,
  sessions: readonly Session[],
  options: GenerateOptions | GenerateOptions[] = {},
): AsyncGenerator<BatchToken, GenerationSummary[]> {
  checkSessions(sessions);
  if (Array.isArray(options) && options.length !== sessions.length) throw new InvalidArgumentError('one set of options per session');
  const each = sessions.map((_, i) => (Array.isArray(options) ? options[i] : options));
  const signal = each.find((o) => o.signal)?.signal;
  await Promise.all(sessions.map((s, i) => (each[i].sampling?.seed !== undefined ? s.reseed(each[i].sampling!.seed!) : undefined)));
  const streams = sessions.map((s, i) => new TokenStream(s, each[i]));
  const captureLayers = each[0].captureLayers;
  for (;;) {
    if (signal?.aborted) throw new AbortError();
    const live = streams.flatMap((st, i) => (st.done || st.checkRoom() ? [] : [i]));
    if (live.length === 0) break;
    const results = await stepBatch(model, live.map((i) => sessions[i]), { sampling: live.map((i) => each[i].sampling ?? {}), captureLayers });
    for (const [k, i] of live.entries()) {
      const piece = streams[i].accept(results[k].token);
      if (piece !== undefined) yield { index: i, token: results[k].token, text: piece };
    }
  }
  return streams.map((st) => st.finish());
}
