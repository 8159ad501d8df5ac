/**
 * The compiler expert: checks and runs the code the model just wrote, with tests, in the
 * sandbox, and answers with a short verdict the model reads before it continues.
 */
import { CodeLanguage, inferLanguage, normalizeLanguage } from '../detect/inferLanguage';
import { Sandbox } from '../sandbox';
import type { SandboxLimits } from '../sandbox/types';
import { DEFAULT_TIMEOUT_MS } from '../sandbox/types';
import { analyzePython, type CodeRunner } from '../testgen/analyzePython';
import { DEFAULT_MAX_TESTS, generateTests } from '../testgen/generateTests';
import { findCodeBlock } from './findCodeBlock';
import { DEFAULT_MAX_VERDICT_CHARS, formatSyntaxError, formatVerdict } from './formatVerdict';
import { extractPromptTests } from '../testgen/extractPromptTests';
import { probeCalls } from '../testgen/probeCalls';
import { dialectFor } from '../testgen/testDialect';
import type { CodeBlockInput, ExpertContext, ExpertVerdict, JudgedBlock, Observations, VirtualExpertPlugin } from './types';

/** What {@link CompilerExpertPlugin.prepare} analyses to warm the analyser: annotations, a default, a doctest. */
const WARM_UP_SOURCE = ['def f(a: int, b: str = "x") -> int:', '    """', '    >>> f(1)', '    1', '    """', '    return a', ''].join('\n');

/** A sandbox as the expert uses it: runs requests, and may be disposed. */
export interface ExpertSandbox extends CodeRunner {
  dispose?(): Promise<void>;
}

/** Options of {@link CompilerExpertPlugin}. */
export interface CompilerExpertOptions {
  /**
   * The sandbox to run code in. It stays the caller's: `dispose()` leaves it alone.
   * Defaults to a `Sandbox` created on first use and owned (disposed) by the expert.
   */
  sandbox?: ExpertSandbox;
  /** Selection priority in an ExpertRegistry. Defaults to {@link DEFAULT_COMPILER_PRIORITY}. */
  priority?: number;
  /** Limits of each run. Defaults to the sandbox's own (5 s, 256 MB, 64 KiB output). */
  limits?: Partial<SandboxLimits>;
  /** Cap on the injected message. Defaults to {@link DEFAULT_MAX_VERDICT_CHARS}. */
  maxChars?: number;
  /** Most tests per run, the caller's excepted. Defaults to {@link DEFAULT_MAX_TESTS}. */
  maxTests?: number;
  /** Generate property and example tests for the functions in the code. Defaults to true. */
  generateTests?: boolean;
}

/** The seed's priority for the compiler expert (math, a narrower trigger, sits above). */
export const DEFAULT_COMPILER_PRIORITY = 8;

/**
 * Judges the last finished code block (or `context.block`): Python, JavaScript or
 * TypeScript, tagged or inferred. Blocks of other languages (shell, output, JSON) give
 * no verdict. See lib/experts/README.md for the exact message format.
 */
export class CompilerExpertPlugin implements VirtualExpertPlugin {
  readonly name = 'compiler';
  readonly description = 'Checks and runs the code the model wrote, with tests, and reports the result.';
  readonly priority: number;
  private readonly options: CompilerExpertOptions;
  private sandbox: Promise<ExpertSandbox> | undefined;
  private readonly ownsSandbox: boolean;

  constructor(options: CompilerExpertOptions = {}) {
    this.options = options;
    this.priority = options.priority ?? DEFAULT_COMPILER_PRIORITY;
    this.ownsSandbox = options.sandbox === undefined;
    if (options.sandbox) this.sandbox = Promise.resolve(options.sandbox);
  }

  canHandle(context: ExpertContext): boolean {
    const block = context.block ?? findCodeBlock(context.text);
    return block !== undefined && this.languageOf(block, context) !== undefined;
  }

  async execute(context: ExpertContext, signal?: AbortSignal): Promise<ExpertVerdict | undefined> {
    const started = performance.now();
    const block = context.block ?? findCodeBlock(context.text);
    if (!block || block.code.trim() === '') return undefined;
    const language = this.languageOf(block, context);
    if (!language) return undefined;
    signal?.throwIfAborted();

    const sandbox = await this.getSandbox();
    const judged: JudgedBlock = {
      language,
      code: block.code,
      ...(block.start !== undefined && { start: block.start }),
      ...(block.end !== undefined && { end: block.end }),
    };
    const generated = await generateTests(block.code, language, {
      sandbox,
      ...(context.tests && { tests: context.tests }),
      ...(context.prompt !== undefined && { prompt: context.prompt }),
      maxTests: this.options.generateTests === false ? 0 : (this.options.maxTests ?? DEFAULT_MAX_TESTS),
    });
    signal?.throwIfAborted();
    const verdict = (fields: Pick<ExpertVerdict, 'ok' | 'status' | 'text' | 'message' | 'tests' | 'warnings'>): ExpertVerdict => ({
      expert: this.name,
      ...fields,
      blocks: [judged],
      durationMs: performance.now() - started,
    });

    const syntaxError = generated.analysis.syntaxError;
    if (syntaxError) {
      const text = formatSyntaxError(syntaxError);
      return verdict({ ok: false, status: 'syntax_error', text, message: text, tests: [], warnings: [] });
    }
    const run = await sandbox.run({
      language,
      code: block.code,
      tests: generated.tests.map((t) => t.code),
      ...(this.options.limits && { limits: this.options.limits }),
    }, { signal });
    signal?.throwIfAborted();
    const formatted = formatVerdict(run, {
      language,
      tests: generated.tests,
      timeoutMs: this.options.limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxChars: this.options.maxChars ?? DEFAULT_MAX_VERDICT_CHARS,
    });
    return verdict({ ok: formatted.status === 'ok', ...formatted });
  }

  /**
   * Runs the block on {@link probeCalls} made from the request's examples (the prompt's and
   * the caller's tests) and reports each call's value. Generated checks are not involved:
   * the probes must be the same for every candidate of a request.
   */
  async observe(context: ExpertContext, signal?: AbortSignal): Promise<Observations | undefined> {
    const block = context.block ?? findCodeBlock(context.text);
    if (!block || block.code.trim() === '') return undefined;
    const language = this.languageOf(block, context);
    if (!language) return undefined;
    const source = [context.prompt ?? '', ...(context.tests ?? [])].join('\n');
    const examples = extractPromptTests(source, language).flatMap((t) => (t.call ? [t.call] : []));
    const calls = probeCalls(examples, language);
    if (calls.length === 0) return undefined;
    signal?.throwIfAborted();
    const dialect = dialectFor(language);
    const run = await (await this.getSandbox()).run({
      language,
      code: block.code,
      tests: calls.map((c) => dialect.observe(c)),
      ...(this.options.limits && { limits: this.options.limits }),
    }, { signal });
    const outcomes = calls.map((_, i) => {
      const t = run.tests[i];
      if (!t) return run.status;
      if (t.passed) return language === 'python' ? 'None' : 'undefined';
      if (t.got !== undefined) return t.got;
      return t.error ? `raises ${t.error.type}` : run.status;
    });
    return { calls, outcomes };
  }

  /**
   * Starts the sandbox (host process and its warm interpreters) now instead of at the first
   * block, e.g. while the model loads, so the first verdict does not wait for a boot.
   * Resolves when it is ready; a failed start is reported by the first run instead. An own
   * sandbox also gets one Python analysis in the background: the analyser's first run in an
   * interpreter costs ~0.4 s, and every Python verdict starts with one.
   */
  async prepare(): Promise<void> {
    const sandbox = await this.getSandbox().catch(() => undefined);
    if (sandbox && this.ownsSandbox) void analyzePython(WARM_UP_SOURCE, sandbox).catch(() => undefined);
  }

  /** Disposes the sandbox if the expert created it; idempotent. */
  async dispose(): Promise<void> {
    const pending = this.sandbox;
    this.sandbox = undefined;
    if (pending && this.ownsSandbox) await (await pending).dispose?.();
  }

  private languageOf(block: CodeBlockInput, context: ExpertContext): CodeLanguage | undefined {
    // A tag decides: `bash`, `text`, `json` mean "not for running" even if the content
    // would parse; only an untagged block is guessed.
    if (block.language) return normalizeLanguage(block.language);
    return inferLanguage(block.code, context.language);
  }

  private getSandbox(): Promise<ExpertSandbox> {
    if (!this.sandbox) {
      const creating = Sandbox.create();
      // A failed start is not cached: the next call tries again.
      creating.catch(() => {
        if (this.sandbox === creating) this.sandbox = undefined;
      });
      this.sandbox = creating;
    }
    return this.sandbox;
  }
}
