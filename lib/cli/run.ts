import { defaultExperts } from '../generate/defaultExperts';
import { defaultRoutingProbe } from '../probe/defaultRoutingProbe';
import { RoutingProbe } from '../probe/RoutingProbe';
import { Generator, type Strategy } from '../generate/Generator';
import type { CodeLanguage } from '../detect/inferLanguage';
import { intFlag, parseArgs, stringFlag } from './args';
import { loadWithProgress } from './loadWithProgress';
import { renderEvents } from './renderEvents';

export const RUN_USAGE = `usage: compiler-expert run "prompt" [--model NAME|PATH] [--max-tokens N] [--max-rounds N]
                          [--no-expert] [--json] [--system TEXT] [--lang python|javascript|typescript]
                          [--test "assert f(1) == 2" ...] [--temperature T] [--seed N]
                          [--probe default|FILE]   (learned router instead of the heuristic one)
                          [--strategy repair|rewind-repair|best-of-n|best-of-n+repair] [--samples N]
                          (strategy: best-of-n unless given)`;

/** The strategy of `run` when none is given. */
export const RUN_DEFAULT_STRATEGY: Strategy = 'best-of-n';

/** `run "prompt"`: streams the answer with the expert's verdicts. */
export async function runCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model', 'max-tokens', 'max-rounds', 'system', 'lang', 'test', 'temperature', 'seed', 'prefix', 'probe', 'strategy', 'samples']);
  const prompt = args.positional.join(' ').trim();
  if (!prompt) {
    process.stderr.write(`${RUN_USAGE}\n`);
    return 2;
  }
  const json = args.flags.get('json') === true;
  const expert = args.flags.get('expert') !== false;
  const tests = argv.flatMap((a, i) => (a === '--test' && argv[i + 1] ? [argv[i + 1]] : []));
  // The sandbox host and its interpreters boot in their own process while the model loads.
  const experts = expert ? defaultExperts() : undefined;
  const preparing = experts?.prepare();
  const model = await loadWithProgress(stringFlag(args, 'model'), json).catch(async (e) => {
    await experts?.dispose();
    throw e;
  });
  await preparing;
  try {
    const temperature = Number(stringFlag(args, 'temperature') ?? 0);
    const probe = stringFlag(args, 'probe');
    const router = probe === undefined ? undefined : probe === 'default' ? defaultRoutingProbe(model) : await RoutingProbe.load(probe, model);
    const generator = new Generator(model, {
      experts,
      router,
      maxTokens: intFlag(args, 'max-tokens', 512),
      maxRounds: intFlag(args, 'max-rounds', 3),
      sampling: { temperature, seed: args.flags.has('seed') ? intFlag(args, 'seed', 0, 0) : undefined },
      // best-of-n measured best (HumanEval, coder model: see the README's Benchmark section); the
      // library's Generator keeps the seed's repair loop as its default.
      strategy: (stringFlag(args, 'strategy') ?? RUN_DEFAULT_STRATEGY) as Strategy,
      bestOfN: args.flags.has('samples') ? { samples: intFlag(args, 'samples', 4, 0) } : undefined,
    });
    await renderEvents(generator.run({
      prompt,
      system: stringFlag(args, 'system'),
      language: stringFlag(args, 'lang') as CodeLanguage | undefined,
      tests: tests.length ? tests : undefined,
      assistantPrefix: stringFlag(args, 'prefix'),
    }), json);
    return 0;
  } finally {
    await experts?.dispose();
    model.dispose();
  }
}
