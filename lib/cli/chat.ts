import { promises as fs } from 'node:fs';
import * as readline from 'node:readline';
import { AbortError } from '../errors';
import { defaultExperts } from '../generate/defaultExperts';
import type { Strategy } from '../generate/Generator';
import type { ChatMessage } from '../runtime/ChatTemplate';
import { intFlag, parseArgs, stringFlag } from './args';
import { cyan, dim } from './colors';
import { loadWithProgress } from './loadWithProgress';
import { renderEvents } from './renderEvents';

export const CHAT_USAGE = `usage: compiler-expert chat [--model NAME|PATH] [--system TEXT] [--max-tokens N] [--max-rounds N]
                           [--strategy repair|rewind-repair|best-of-n|best-of-n+repair] [--samples N]
                           [--no-expert] [--temperature T] [--seed N] [--load FILE]`;

interface SavedChat {
  system?: string;
  history?: ChatMessage[];
}

async function readSaved(file: string): Promise<SavedChat> {
  const data = JSON.parse(await fs.readFile(file, 'utf8')) as SavedChat;
  if (typeof data !== 'object' || data === null || (data.history !== undefined && !Array.isArray(data.history))) throw new Error('not a saved chat');
  return data;
}

const HELP = `commands: /reset (forget the conversation)  /save FILE  /load FILE  /exit   (Ctrl-C stops an answer; twice at the prompt quits)`;

/**
 * `chat`: an interactive conversation on one live session (each turn prefills only what is
 * new), the expert's verdicts highlighted. Ctrl-C aborts the answer being written, not the
 * program; at an idle prompt a second Ctrl-C (or Ctrl-D, or /exit) quits.
 */
export async function chatCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model', 'system', 'max-tokens', 'max-rounds', 'strategy', 'samples', 'temperature', 'seed', 'load']);
  if (args.positional.length) {
    process.stderr.write(`${CHAT_USAGE}\n`);
    return 2;
  }
  const experts = args.flags.get('expert') === false ? undefined : defaultExperts();
  const preparing = experts?.prepare();
  const model = await loadWithProgress(stringFlag(args, 'model')).catch(async (e) => {
    await experts?.dispose();
    throw e;
  });
  await preparing;
  const load = stringFlag(args, 'load');
  const saved = load ? await readSaved(load) : undefined;
  let system = stringFlag(args, 'system') ?? saved?.system;
  const open = (history?: ChatMessage[]) => model.createChat({
    system,
    history,
    experts,
    maxTokens: intFlag(args, 'max-tokens', 512),
    maxRounds: intFlag(args, 'max-rounds', 3),
    sampling: { temperature: Number(stringFlag(args, 'temperature') ?? 0), seed: args.flags.has('seed') ? intFlag(args, 'seed', 0, 0) : undefined },
    strategy: stringFlag(args, 'strategy') as Strategy | undefined,
    bestOfN: args.flags.has('samples') ? { samples: intFlag(args, 'samples', 4, 0) } : undefined,
  });
  let chat = open(saved?.history);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '> ', terminal: process.stdin.isTTY });
  let turn: AbortController | undefined;
  let interrupts = 0;
  let quit = false;
  rl.on('SIGINT', () => {
    if (turn) {
      turn.abort();
      return;
    }
    if (++interrupts >= 2) {
      quit = true;
      rl.close();
      return;
    }
    process.stdout.write(dim('\n(Ctrl-C again, Ctrl-D or /exit to quit)\n'));
    rl.prompt();
  });
  const say = (text: string) => process.stdout.write(dim(text) + '\n');
  try {
    say(`model: ${model.info.name} · ${experts ? 'compiler expert on' : 'no expert'}${chat.turns ? ` · ${chat.turns} turns loaded` : ''}\n${HELP}`);
    rl.prompt();
    for await (const line of rl) {
      interrupts = 0;
      const input = line.trim();
      if (input === '/exit' || input === '/quit') break;
      if (input === '/reset') {
        chat.reset();
        say('[conversation cleared]');
      } else if (input.startsWith('/save ') || input.startsWith('/load ')) {
        const file = input.slice(6).trim();
        if (input.startsWith('/save ')) {
          await fs.writeFile(file, JSON.stringify({ system, history: chat.history }, null, 2) + '\n');
          say(`[saved ${chat.turns} turns to ${file}]`);
        } else {
          try {
            const loaded = await readSaved(file);
            const previous = { chat, system };
            system = loaded.system ?? system;
            try {
              chat = open(loaded.history); // throws on a malformed history, before anything is lost
            } catch (error) {
              system = previous.system;
              throw error;
            }
            previous.chat.dispose();
            say(`[loaded ${chat.turns} turns from ${file}]`);
          } catch (error) {
            process.stdout.write(cyan(`[cannot load ${file}: ${(error as Error).message}]`) + '\n');
          }
        }
      } else if (input === '/help' || input.startsWith('/')) {
        say(HELP);
      } else if (input) {
        turn = new AbortController();
        try {
          const result = await renderEvents(chat.send(input, { signal: turn.signal }), false);
          say(`[${result.reusedTokens ?? 0} of ${result.promptTokens} prompt tokens reused from the cache]`);
        } catch (error) {
          if (!(error instanceof AbortError)) throw error;
          say('\n[answer aborted]');
        } finally {
          turn = undefined;
        }
      }
      if (quit) break;
      rl.prompt();
    }
    return 0;
  } finally {
    rl.close();
    chat.dispose();
    await experts?.dispose();
    model.dispose();
  }
}
