/**
 * A conversation with the model and its experts: the history as plain messages, and one
 * live session that keeps the conversation's KV cache between turns, so each turn prefills
 * only what is new (the previous answer as the template writes it, and the new message).
 */
import { InvalidArgumentError } from '../errors';
import type { ChatMessage } from '../runtime/ChatTemplate';
import type { Model } from '../runtime/Model';
import type { Session } from '../runtime/Session';
import { finalResult, type GenerationEvent, type GenerationResult } from './events';
import { Generator, type GenerateRequest, type GeneratorOptions } from './Generator';

/** Options of a {@link Chat}: the generator's (experts, strategy, budgets…) plus the system prompt. */
export interface ChatOptions extends Omit<GeneratorOptions, 'session'> {
  /** System prompt of every turn. Defaults to the template's own default. */
  system?: string;
  /** Earlier turns to start from (what {@link Chat.history} returned). */
  history?: readonly ChatMessage[];
}

/** What one {@link Chat.send} takes besides the message. */
export type ChatSendOptions = Pick<GenerateRequest, 'tests' | 'language'> & Omit<GeneratorOptions, 'session' | 'experts'>;

function checkHistory(history: readonly ChatMessage[]): ChatMessage[] {
  history.forEach((m, i) => {
    const role = i % 2 === 0 ? 'user' : 'assistant';
    if (!m || m.role !== role || typeof m.content !== 'string') {
      throw new InvalidArgumentError(`chat history: message ${i} must be a ${role} message with text content`);
    }
  });
  if (history.length % 2 !== 0) throw new InvalidArgumentError('chat history must end with an assistant message');
  return history.map((m) => ({ role: m.role, content: m.content }));
}

/**
 * A conversation: plain-data history and one live session (see the module comment). Made by
 * {@link Model.createChat}.
 */
export class Chat {
  private readonly generator: Generator;
  private readonly messages: ChatMessage[];
  private session: Session | undefined;
  private busy = false;

  constructor(private readonly model: Model, private readonly options: ChatOptions = {}) {
    this.generator = new Generator(model, options);
    this.messages = checkHistory(options.history ?? []);
  }

  /**
   * The conversation so far: alternating user and assistant messages (the assistant's own
   * text, without injected verdicts), plain data to save and pass back as `history`.
   */
  get history(): ChatMessage[] {
    return this.messages.map((m) => ({ ...m }));
  }

  /** Completed turns (a user message and its answer each). */
  get turns(): number {
    return this.messages.length / 2;
  }

  /**
   * Sends a message and streams the generator's events; the last is `done`, whose result's
   * `reusedTokens` counts the prompt tokens served from the cache. The turn joins the
   * history only when it completes: an aborted or failed turn leaves the history as it was.
   */
  async *send(message: string, options: ChatSendOptions = {}): AsyncGenerator<GenerationEvent, GenerationResult> {
    if (this.busy) throw new InvalidArgumentError('chat: a turn is already in progress');
    if (typeof message !== 'string' || message.trim() === '') throw new InvalidArgumentError('chat: message must be a non-empty string');
    this.busy = true;
    try {
      this.session ??= this.model.createSession({ contextLength: this.options.contextLength });
      const { tests, language, ...overrides } = options;
      const request: GenerateRequest = { prompt: message, system: this.options.system, history: this.messages, tests, language };
      const result = yield* this.generator.run(request, { ...overrides, session: this.session });
      this.messages.push({ role: 'user', content: message }, { role: 'assistant', content: result.answer });
      return result;
    } finally {
      this.busy = false;
    }
  }

  /** Runs one turn to the end and returns its result. */
  async ask(message: string, options?: ChatSendOptions): Promise<GenerationResult> {
    return finalResult(this.send(message, options));
  }

  /** Keeps the first `turn` turns and forgets the rest; the cache is trimmed at the next turn. */
  rewindTo(turn: number): void {
    if (!Number.isInteger(turn) || turn < 0 || turn > this.turns) throw new InvalidArgumentError(`chat: rewindTo(${turn}) is outside 0..${this.turns}`);
    if (this.busy) throw new InvalidArgumentError('chat: a turn is in progress');
    this.messages.length = 2 * turn;
  }

  /** Forgets every turn (the system prompt stays). */
  reset(): void {
    this.rewindTo(0);
  }

  /** Releases the session; the history stays readable. */
  dispose(): void {
    this.session?.dispose();
    this.session = undefined;
  }
}
