import { defaultExperts } from '../generate/defaultExperts';
import { Generator } from '../generate/Generator';
import { dim } from './colors';
import { parseArgs, stringFlag } from './args';
import { loadWithProgress } from './loadWithProgress';
import { renderEvents } from './renderEvents';

/**
 * The built-in scenario: the assistant's turn starts with the seed's buggy sort
 * (`lst.sort()` returns None). The compiler expert runs it with a test, injects the
 * verdict into the KV cache, and the model continues from there.
 */
export const DEMO = {
  prompt: 'Write a Python function sort(lst) that returns a sorted copy of the list.',
  assistantPrefix: "```python\ndef sort(lst):\n    return lst.sort()\n```\n",
  tests: ['assert sort([3, 1, 2]) == [1, 2, 3]'],
};

export async function demoCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model']);
  const experts = defaultExperts();
  const preparing = experts.prepare(); // the sandbox boots while the model loads
  const model = await loadWithProgress(stringFlag(args, 'model')).catch(async (e) => {
    await experts.dispose();
    throw e;
  });
  await preparing;
  try {
    process.stdout.write(dim(`model: ${model.info.name} (${model.info.architecture}, ${model.info.quantization})\n`));
    process.stdout.write(dim(`user: ${DEMO.prompt}\n`) + dim('assistant:\n'));
    process.stdout.write(DEMO.assistantPrefix);
    const generator = new Generator(model, { experts, maxTokens: 160, maxRounds: 2 });
    await renderEvents(generator.run(DEMO), false);
    return 0;
  } finally {
    await experts.dispose();
    model.dispose();
  }
}
