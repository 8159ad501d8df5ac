import { defaultRoutingProbe } from '../probe/defaultRoutingProbe';
import { RoutingProbe } from '../probe/RoutingProbe';
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

/**
 * Resolves `--router`. For `probe`, `probe` is `default` (the probe shipped for this
 * model) or a probe file's path; a probe for another model throws
 * ProbeModelMismatchError, a missing file the read error.
 */
export async function loadRouter(choice: RouterChoice, model: Model, probe?: string): Promise<LoadedRouter> {
  if (choice === 'heuristic') return {};
  if (!probe) return { skipped: '--router probe needs --probe default|FILE' };
  return { router: probe === 'default' ? defaultRoutingProbe(model) : await RoutingProbe.load(probe, model) };
}
