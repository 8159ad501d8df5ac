/**
 * The contract between the generator and the virtual experts: what an expert is given
 * (an {@link ExpertContext}), what it gives back (an {@link ExpertVerdict}), and the
 * {@link VirtualExpertPlugin} interface every expert implements.
 */
import type { CodeLanguage } from '../detect/inferLanguage';
import type { RunStatus } from '../sandbox/types';
import type { TestOrigin } from '../testgen/types';

/** A piece of code the caller already located (for example from a `fence_close` event). */
export interface CodeBlockInput {
  code: string;
  /** Fence tag as written (`py`, `js`, …) or a resolved language; undefined when untagged. */
  language?: string;
  /** Offsets of the block in {@link ExpertContext.text}, when known. */
  start?: number;
  end?: number;
}

/** What an expert sees when it is asked for a verdict. */
export interface ExpertContext {
  /** The text generated so far (the model's answer up to this point). */
  text: string;
  /** The user's request. Asserts and examples written in it are used as tests. */
  prompt?: string;
  /** Tests supplied by the caller, as source in the code's language; run before any other. */
  tests?: readonly string[];
  /** Language to assume for untagged code when the code itself does not say. */
  language?: CodeLanguage;
  /** The block to judge. When absent, an expert finds what to judge in {@link text}. */
  block?: CodeBlockInput;
}

/**
 * How a verdict came out; `ok` is the only passing status. The sandbox's outcomes of the
 * code carry over as they are (a broken sandbox becomes `expert_error`), plus:
 * `warning` — ran and passed its tests, but something looks wrong (a function returned None);
 * `invalid` — the input cannot be judged as given (math: division by zero);
 * `expert_error` — the expert itself failed (it threw, or its sandbox broke).
 */
export type VerdictStatus = Exclude<RunStatus, 'sandbox_error'> | 'warning' | 'invalid' | 'expert_error';

/** One test's outcome as counted by the generator and the benchmark. */
export interface VerdictTest {
  /** The test as shown in the message (its source, or a short label for a long generated check). */
  test: string;
  passed: boolean;
  origin: TestOrigin;
  /** Value the code produced, as a repr, when the sandbox reported it. */
  got?: string;
  /** `Type: message` of an exception the test raised, other than a failed assertion. */
  error?: string;
}

/** The code a verdict is about. */
export interface JudgedBlock {
  language: CodeLanguage;
  code: string;
  start?: number;
  end?: number;
}

/** An expert's answer: the text to inject plus the same facts in typed form. */
export interface ExpertVerdict {
  /** Name of the expert that produced it. */
  expert: string;
  /** True only when status is `ok`. */
  ok: boolean;
  status: VerdictStatus;
  /** The message injected into the model's context (format documented in lib/experts/README.md). */
  text: string;
  /** One line for logs and UIs, e.g. `2/3 tests passed`. */
  message: string;
  /** The code judged (empty for experts that do not judge code). */
  blocks: JudgedBlock[];
  tests: VerdictTest[];
  /** Semantic warnings, e.g. `sort() returned None`. */
  warnings: string[];
  durationMs: number;
}

/** What a block did on each probe call: its value as a repr, `raises <Error>`, or how the run ended. */
export interface Observations {
  /** The probe calls, in the block's language; the same for every block of one request and language. */
  calls: string[];
  /** One per call. */
  outcomes: string[];
}

/**
 * A virtual expert: a symbolic tool the model consults mid-generation. Implement it and
 * add it to an {@link ExpertRegistry} with `registry.register(plugin)`.
 */
export interface VirtualExpertPlugin {
  /** Unique name, used in verdicts and for `registry.unregister(name)`. */
  readonly name: string;
  /** One sentence on what it does. */
  readonly description: string;
  /** Higher runs first when several experts can handle the same context. */
  readonly priority: number;
  /** Cheap, synchronous test of whether this expert applies to the context now. */
  canHandle(context: ExpertContext): boolean;
  /**
   * Produces a verdict, or undefined when there is nothing to say (then nothing is
   * injected). May throw: the registry turns a throw into an `expert_error` verdict.
   */
  execute(context: ExpertContext, signal?: AbortSignal): Promise<ExpertVerdict | undefined>;
  /**
   * Runs the block on probe inputs derived from the request's examples and reports what it
   * returned on each, without judging: candidates with equal observations behave alike
   * there (best-of-n's agreement). Optional; undefined when there is nothing to probe.
   */
  observe?(context: ExpertContext, signal?: AbortSignal): Promise<Observations | undefined>;
  /** Starts what the expert needs (a sandbox) ahead of its first use. Optional; called by `registry.prepare()`. */
  prepare?(): Promise<void>;
  /** Releases what the expert holds (a sandbox). Optional; called by `registry.dispose()`. */
  dispose?(): Promise<void>;
}
