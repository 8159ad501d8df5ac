// Which hidden state the router sees for a block. The probe was calibrated on the
// hidden state of the token that closes the fence; the Generator must hand it exactly
// that, including when the model ends its turn right after "```" (the coder model
// usually does; the default model never does, so this runs on a scripted stand-in
// for the model: one character per token, the step number as the "hidden state").
import t from 'tap';
import { ExpertRegistry, Generator, type Model, type RouteDecision, type RouteInput, type Router } from '../../lib';

const EOS = 0;

function scriptedModel(answer: string): Model {
  const script = [...Array.from(answer, (ch) => ch.charCodeAt(0)), EOS, EOS];
  const tokenizer = {
    special: { stop: [EOS] },
    encode: async (text: string) => Int32Array.from(text, (ch) => ch.charCodeAt(0)),
    createStreamDecoder: () => ({ push: (id: number) => String.fromCharCode(id), flush: () => '' }),
  };
  const createSession = () => {
    const tokens: number[] = [];
    let next = 0;
    return {
      contextLength: 4096,
      get length() {
        return tokens.length;
      },
      get tokens() {
        return [...tokens];
      },
      prefill: async (ids: ArrayLike<number>) => void tokens.push(...Array.from(ids)),
      step: async () => {
        const token = script[Math.min(next++, script.length - 1)];
        tokens.push(token);
        return { token, hidden: [Float32Array.of(next)] }; // step k's hidden state is [k]
      },
      rewind: async (n: number) => void tokens.splice(tokens.length - n, n),
      inject: async (ids: ArrayLike<number>) => void tokens.push(...Array.from(ids)),
      dispose: () => {},
    };
  };
  return { tokenizer, createSession, renderChat: () => 'user: hi\nassistant: ', chatTemplate: '' } as unknown as Model;
}

class RecordingRouter implements Router {
  readonly captureLayer = 1;
  readonly seen: (number | undefined)[] = [];
  route(input: RouteInput): RouteDecision {
    this.seen.push(input.hidden?.[0]);
    return { run: false, reason: 'recorded' };
  }
}

async function hiddenSeen(answer: string): Promise<(number | undefined)[]> {
  const router = new RecordingRouter();
  const gen = new Generator(scriptedModel(answer), { router, experts: new ExpertRegistry(), maxTokens: 200 });
  await gen.generate({ prompt: 'hi' });
  return router.seen;
}

t.test('a fence line ended by a newline: the hidden state of that newline', async (t) => {
  const answer = 'Code:\n```python\nprint(1)\n```\n';
  t.same(await hiddenSeen(answer), [answer.length]);
});

t.test('a fence followed by the end of the turn: the hidden state of its last backtick, not of the end-of-turn token', async (t) => {
  const answer = 'Code:\n```python\nprint(1)\n```';
  t.same(await hiddenSeen(answer), [answer.length]);
});
