/**
 * The set of virtual experts a generator consults, and the rule that picks one: the
 * highest-priority expert whose `canHandle` accepts the context (ties go to the expert
 * registered first).
 */
import { InvalidArgumentError } from '../errors';
import type { ExpertContext, ExpertVerdict, Observations, VirtualExpertPlugin } from './types';

/**
 * Holds experts and dispatches a context to the right one.
 *
 * @example
 * const registry = new ExpertRegistry()
 *   .register(new CompilerExpertPlugin())
 *   .register(new MathExpertPlugin());
 * const verdict = await registry.execute({ text: generated });
 * if (verdict) inject(verdict.text);
 */
export class ExpertRegistry {
  private readonly plugins: VirtualExpertPlugin[] = [];

  /** Adds an expert. Throws when an expert with the same name is already registered. */
  register(plugin: VirtualExpertPlugin): this {
    if (this.plugins.some((p) => p.name === plugin.name)) {
      throw new InvalidArgumentError(`ExpertRegistry: an expert named '${plugin.name}' is already registered`);
    }
    this.plugins.push(plugin);
    // Stable sort keeps registration order among equal priorities.
    this.plugins.sort((a, b) => b.priority - a.priority);
    return this;
  }

  /** Removes an expert by name; returns whether one was removed. It is not disposed. */
  unregister(name: string): boolean {
    const index = this.plugins.findIndex((p) => p.name === name);
    if (index < 0) return false;
    this.plugins.splice(index, 1);
    return true;
  }

  /** The expert with this name, if registered. */
  get(name: string): VirtualExpertPlugin | undefined {
    return this.plugins.find((p) => p.name === name);
  }

  /** All experts, highest priority first. */
  list(): readonly VirtualExpertPlugin[] {
    return [...this.plugins];
  }

  /**
   * The expert that would handle this context, or undefined. A `canHandle` that throws
   * selects its expert, so that {@link execute} reports the fault as a verdict instead
   * of hiding a broken plugin behind the next one.
   */
  select(context: ExpertContext): VirtualExpertPlugin | undefined {
    for (const plugin of this.plugins) {
      try {
        if (plugin.canHandle(context)) return plugin;
      } catch {
        return plugin;
      }
    }
    return undefined;
  }

  /**
   * Runs the selected expert. Resolves to its verdict, to undefined when no expert
   * applies or the expert has nothing to say, or to an `expert_error` verdict when the
   * expert throws. Rejects only when `signal` is aborted (with the signal's reason).
   */
  async execute(context: ExpertContext, signal?: AbortSignal): Promise<ExpertVerdict | undefined> {
    signal?.throwIfAborted();
    const plugin = this.select(context);
    if (!plugin) return undefined;
    return runExpert(plugin, context, signal);
  }

  /**
   * The selected expert's observations of the block (see {@link VirtualExpertPlugin.observe}),
   * or undefined when it has none or fails: observations only rank, so a failure costs nothing.
   */
  async observe(context: ExpertContext, signal?: AbortSignal): Promise<Observations | undefined> {
    signal?.throwIfAborted();
    const plugin = this.select(context);
    if (!plugin?.observe) return undefined;
    try {
      return await plugin.observe(context, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      return undefined;
    }
  }

  /** Starts every expert that has a `prepare` (sandboxes boot while, say, the model loads). */
  async prepare(): Promise<void> {
    await Promise.allSettled(this.plugins.map((p) => p.prepare?.()));
  }

  /** Disposes every expert that has a `dispose`; errors are collected and rethrown together. */
  async dispose(): Promise<void> {
    const results = await Promise.allSettled(this.plugins.map((p) => p.dispose?.()));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (errors.length > 0) throw new AggregateError(errors, 'ExpertRegistry: dispose failed');
  }
}

/**
 * Runs one expert with the registry's safety net: `canHandle` and `execute` throwing
 * become an `expert_error` verdict (its text starts with `⚠ Expert`), never a crash of
 * the generation. An abort of `signal` is the caller's decision and is rethrown.
 */
export async function runExpert(
  plugin: VirtualExpertPlugin,
  context: ExpertContext,
  signal?: AbortSignal,
): Promise<ExpertVerdict | undefined> {
  const started = performance.now();
  try {
    if (!plugin.canHandle(context)) return undefined;
    return await plugin.execute(context, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    return expertErrorVerdict(plugin.name, error, performance.now() - started);
  }
}

const MAX_ERROR_CHARS = 200;

function expertErrorVerdict(expert: string, error: unknown, durationMs: number): ExpertVerdict {
  const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const reason = raw.length > MAX_ERROR_CHARS ? `${raw.slice(0, MAX_ERROR_CHARS - 1)}…` : raw;
  return {
    expert,
    ok: false,
    status: 'expert_error',
    text: `⚠ Expert ${expert} failed: ${reason}`,
    message: `expert failed: ${reason}`,
    blocks: [],
    tests: [],
    warnings: [],
    durationMs,
  };
}
