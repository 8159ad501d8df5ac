import type { GenerationEvent, GenerationResult } from '../generate/events';
import { cyan, dim, green, red, yellow } from './colors';

/** Streams generation events to the terminal, verdicts highlighted. Returns the result. */
export async function renderEvents(events: AsyncGenerator<GenerationEvent, GenerationResult>, json: boolean): Promise<GenerationResult> {
  const out = (s: string) => (json ? undefined : process.stdout.write(s));
  for (;;) {
    const r = await events.next();
    if (r.done) return r.value;
    const e = r.value;
    switch (e.type) {
      case 'token': out(e.text); break;
      case 'code_block': if (!e.route.run) out(dim(`\n[not run: ${e.route.reason}]`)); break;
      case 'expert_start': out(dim(`\n[${e.expert} expert running block ${e.index + 1}…]`)); break;
      case 'expert_result': {
        const v = e.verdict;
        const paint = v.ok ? green : v.status === 'warning' ? yellow : red;
        out(`\n${paint(v.text)}\n`);
        break;
      }
      case 'injected': out(dim(`[injected ${e.tokens} tokens into the KV cache: ${e.lengthBefore} → ${e.lengthAfter}]\n`)); break;
      case 'round': out(cyan(`[round ${e.round}: ${e.reason}]\n`)); break;
      case 'candidates': {
        for (const c of e.candidates) {
          const line = `[candidate ${c.index}${c.greedy ? ' (greedy)' : ''}: ${c.status ?? 'no code'}, visible ${c.visiblePassed}/${c.visibleTotal}, generated ${c.generatedPassed} passed${c.agreeing !== undefined ? `, ${c.agreeing - 1} agree on the probes` : ''}, ${c.tokens} tokens${c.index === e.candidates[e.chosen].index ? ' ← chosen' : ''}]`;
          out(dim(line) + '\n');
        }
        out(e.candidates[e.chosen].text);
        break;
      }
      case 'done': {
        const x = e.result;
        const tps = x.timings.decodeMs > 0 ? (x.generatedTokens / (x.timings.decodeMs / 1000)).toFixed(1) : '0';
        if (json) {
          process.stdout.write(JSON.stringify({
            text: x.answer, transcript: x.transcript, finish: x.finish, rounds: x.rounds, blocks: x.blocks,
            promptTokens: x.promptTokens, generatedTokens: x.generatedTokens, injectedTokens: x.injectedTokens,
            tokensPerSecond: Number(tps), timings: x.timings,
          }) + '\n');
        } else {
          out(dim(`\n\n[${x.generatedTokens} tokens, ${tps} tok/s, ${x.blocks.length} block(s) judged, finish: ${x.finish}]\n`));
        }
        break;
      }
    }
  }
}
