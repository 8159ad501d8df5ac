/**
 * Chat templates (Jinja, from GGUF metadata or tokenizer_config.json) rendered with
 * Hugging Face's own `@huggingface/jinja`, the same engine transformers.js uses.
 */
import { Template } from '@huggingface/jinja';
import { InvalidArgumentError } from '../errors';

/** One message of a conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string;
}

/** Options of {@link ChatTemplate.render}. */
export interface RenderOptions {
  /** End with the header that starts the assistant's turn. Defaults to true. */
  addGenerationPrompt?: boolean;
}

// Used when a model ships no template: ChatML, which both supported families know.
const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** The model's chat template (Jinja, from the model file) and how a tool turn is framed in it. */
export class ChatTemplate {
  private readonly template: Template;

  constructor(
    /** The template's Jinja source. */
    readonly source: string = CHATML,
    private readonly specials: { bos_token?: string; eos_token?: string } = {},
  ) {
    this.template = new Template(source);
  }

  /** Whether the template renders a dedicated role for tool output. */
  get hasToolRole(): boolean {
    return /['"]tool['"]/.test(this.source);
  }

  render(messages: ChatMessage[], options: RenderOptions = {}): string {
    if (!Array.isArray(messages) || messages.length === 0) throw new InvalidArgumentError('messages must be a non-empty array');
    return this.template.render({
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: this.specials.bos_token ?? '',
      eos_token: this.specials.eos_token ?? '',
    });
  }
}
