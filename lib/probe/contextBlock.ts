/**
 * The code block a router would be asked about at a context's trigger: the last fence
 * that closed in the assistant's text, as the Generator's detector reports it. Contexts
 * that end on prose ("Let me run this" after bare code) get an untagged block holding
 * the text before the phrase; prose-only contexts get an empty block.
 */
import { CodeBlockDetector, type FenceCloseEvent } from '../detect/CodeBlockDetector';
import type { CalibrationContext } from './data/calibrationContexts';

/** The block at the end of `context.assistant`. */
export function contextBlock(context: Pick<CalibrationContext, 'assistant'>): FenceCloseEvent {
  const detector = new CodeBlockDetector();
  const events = [...detector.push(context.assistant), ...detector.end()];
  const closes = events.filter((e): e is FenceCloseEvent => e.type === 'fence_close');
  const last = closes[closes.length - 1];
  if (last) return last;
  // Bare code then a run phrase: the code is everything up to the last blank line.
  const text = context.assistant;
  const cut = text.lastIndexOf('\n\n');
  const code = cut > 0 ? text.slice(0, cut) : '';
  return { type: 'fence_close', info: '', fence: '', code, start: 0, end: code.length };
}
