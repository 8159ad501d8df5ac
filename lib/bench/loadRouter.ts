import type { Router } from '../routing/Router';
import type { Model } from '../runtime/Model';

/** Which router chooses the blocks to run: the built-in heuristic, or the learned probe. */
export type RouterChoice = 'heuristic' | 'probe';

/** What {@link loadRouter} found. */
export interface LoadedRouter {
  /** The router to give the generator; undefined means the generator's default (heuristic). */
  router?: Router;
  /** Why the probe could not be used; set only when the probe was asked for and is skipped. */
  skipped?: string;
}

// Resolved at run time: lib/probe is another module's work and may not exist yet, and
// a static import would make this file fail to compile without it.
const PROBE_MODULE = '../probe';

/**
 * Resolves `--router`. For `probe`, `probePath` is passed as an opaque path to
 * `RoutingProbe.load(path, model)` of lib/probe; when lib/probe or its `RoutingProbe`
 * export is missing, the probe is skipped (the caller reports it) rather than faked.
 */
export async function loadRouter(choice: RouterChoice, model: Model, probePath?: string): Promise<LoadedRouter> {
  if (choice === 'heuristic') return {};
  let mod: { RoutingProbe?: { load?: (path: string, model: Model) => Promise<Router> } };
  try {
    mod = (await import(PROBE_MODULE)) as typeof mod;
  } catch (e) {
    return { skipped: `lib/probe is not available (${(e as Error).message.split('\n')[0]})` };
  }
  const load = mod.RoutingProbe?.load;
  if (typeof load !== 'function') return { skipped: 'lib/probe does not export RoutingProbe.load(path, model)' };
  if (!probePath) return { skipped: '--router probe needs --probe FILE' };
  return { router: await load.call(mod.RoutingProbe, probePath, model) };
}
