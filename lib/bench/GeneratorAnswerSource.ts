/**
 * The real answer source: a {@link Generator} on a loaded model, with one expert
 * registry per condition, all sharing one sandbox.
 */
import { CompilerExpertPlugin } from '../experts/CompilerExpertPlugin';
import { ExpertRegistry } from '../experts/ExpertRegistry';
import type { BestOfNOptions } from '../generate/bestOfN';
import { DEFAULT_ANSWER_MAX_TOKENS, DEFAULT_MAX_ROUNDS, Generator, type Strategy } from '../generate/Generator';
import type { Router } from '../routing/Router';
import type { Model } from '../runtime/Model';
import type { Sandbox } from '../sandbox/Sandbox';
import type { AnswerSource, BenchAnswer } from './AnswerSource';
import { EXAMPLE_CONDITIONS, SEARCH_CONDITIONS, type BenchCondition } from './BenchCondition';
import type { BenchTask } from './types';

/** Options of {@link GeneratorAnswerSource}. */
export interface GeneratorAnswerSourceOptions {
  /** Sandbox the experts run code in; stays the caller's. */
  sandbox: Sandbox;
  /** Decides which blocks run. Defaults to the generator's own (a HeuristicRouter). */
  router?: Router;
  /** New-token budget per task. Defaults to {@link DEFAULT_ANSWER_MAX_TOKENS}. */
  maxTokens?: number;
  /** Failed verdicts the model may try to fix. Defaults to {@link DEFAULT_MAX_ROUNDS}. */
  maxRounds?: number;
  /** Candidates and sampling of the best-of-n conditions (samples default to 4). */
  bestOfN?: BestOfNOptions;
}

/**
 * Answers with the real model: greedy decoding, the condition's experts (built on first
 * use, one registry per condition), and the task's examples as caller tests for
 * `expert+examples`. Turns and verdicts are collected from the generator's events.
 */
export class GeneratorAnswerSource implements AnswerSource {
  private readonly registries = new Map<BenchCondition, ExpertRegistry | undefined>();

  constructor(private readonly model: Model, private readonly options: GeneratorAnswerSourceOptions) {}

  async answer(task: BenchTask, condition: BenchCondition, signal?: AbortSignal): Promise<BenchAnswer> {
    const experts = this.registryFor(condition);
    const generator = new Generator(this.model, {
      experts,
      expert: experts !== undefined,
      router: this.options.router,
      maxTokens: this.options.maxTokens ?? DEFAULT_ANSWER_MAX_TOKENS,
      maxRounds: this.options.maxRounds ?? DEFAULT_MAX_ROUNDS,
      // pass@1 is defined on the greedy answer (best-of-n samples its extra candidates itself).
      sampling: { temperature: 0, seed: 0 },
      signal,
      strategy: SEARCH_CONDITIONS.includes(condition) || condition === 'rewind-repair' ? (condition as Strategy) : 'repair',
      bestOfN: this.options.bestOfN,
    });
    const turns = [''];
    const verdicts: string[] = [];
    const events = generator.run({
      prompt: task.prompt,
      language: task.language,
      // The task's examples are visible (shown in its prompt): they are what search selects on.
      tests: EXAMPLE_CONDITIONS.includes(condition) ? task.examples : undefined,
    });
    let candidates: string[] | undefined;
    let chosen: number | undefined;
    for await (const e of events) {
      if (e.type === 'token') turns[turns.length - 1] += e.text;
      // Every verdict counts as an expert call, injected or not (a pass after a
      // finished answer ends the generation without a new turn).
      else if (e.type === 'expert_result') verdicts.push(e.verdict.text);
      else if (e.type === 'injected') turns.push('');
      else if (e.type === 'candidates') {
        // The chosen candidate is the answer's first turn; a repair continues from it.
        turns[turns.length - 1] += e.candidates[e.chosen].text;
        candidates = e.candidates.map((c) => c.text);
        chosen = e.chosen;
      } else if (e.type === 'done') {
        const r = e.result;
        return { turns, verdicts, finish: r.finish, promptTokens: r.promptTokens, generatedTokens: r.generatedTokens, injectedTokens: r.injectedTokens, expertCalls: r.expertCalls, candidates, chosen };
      }
    }
    throw new Error('generator ended without a done event');
  }

  /** Disposes the registries it built; the sandbox stays the caller's. */
  async dispose(): Promise<void> {
    const all = [...this.registries.values()];
    this.registries.clear();
    for (const r of all) await r?.dispose();
  }

  private registryFor(condition: BenchCondition): ExpertRegistry | undefined {
    if (!this.registries.has(condition)) {
      const { sandbox } = this.options;
      // Only the compiler expert: the benchmark measures code, and the math expert's
      // trigger ("=") would fire on assignments in prose.
      // Search conditions also generate property checks: their outcomes are the candidates'
      // behaviour on shared inputs, which selection compares.
      const generateTests = condition === 'expert+tests' || SEARCH_CONDITIONS.includes(condition);
      const registry =
        condition === 'model-only' ? undefined : new ExpertRegistry().register(new CompilerExpertPlugin({ sandbox, generateTests }));
      this.registries.set(condition, registry);
    }
    return this.registries.get(condition);
  }
}
