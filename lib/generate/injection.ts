/**
 * How an expert's verdict is framed in the model's context: as a tool/observation
 * turn of the model's own chat template, followed by a fresh assistant turn, so
 * the model reads it as tool output and carries on. Templates without a usable
 * tool role get a plainly marked user turn instead.
 */
import type { ChatTemplate } from '../runtime/ChatTemplate';

/** Marks the expert's message when the template has no tool role. */
export const FALLBACK_HEADER = 'Compiler expert result:';

const SENTINEL = '\u0000CE-ASSISTANT-END\u0000';

/**
 * Builds the text to inject after the assistant's partial answer: whatever closes the
 * assistant turn, the verdict as a tool message, and the header of the next
 * assistant turn, all rendered by the model's own template.
 */
export function frameVerdict(template: ChatTemplate, verdict: string): string {
  const render = (role: string, content: string) =>
    template.render(
      [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: SENTINEL },
        { role, content },
      ],
      { addGenerationPrompt: true },
    );
  let rendered: string | undefined;
  if (template.hasToolRole) {
    try {
      rendered = render('tool', verdict);
    } catch {
      rendered = undefined; // template rejects the tool role: use the marked user turn
    }
  }
  rendered ??= render('user', `${FALLBACK_HEADER}\n${verdict}`);
  const at = rendered.indexOf(SENTINEL);
  return at >= 0 ? rendered.slice(at + SENTINEL.length) : `\n${FALLBACK_HEADER}\n${verdict}\n`;
}
