// The sampler against the distributions it should draw from: 10,000 draws from a fixed
// row of logits (through the native sampler, seeded once) land within binomial bounds of
// softmax / top-k / top-p / min-p probabilities computed here in float64.
import t from 'tap';
import { native } from '../../lib/runtime/native';

const LOGITS = Float32Array.from([2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -3.0]);
const DRAWS = 10000;

/** The target distribution, written from the definitions (temperature first, then the filters). */
function expected(o: { temperature: number; topK?: number; topP?: number; minP?: number }): number[] {
  const order = [...LOGITS.keys()].sort((a, b) => LOGITS[b] - LOGITS[a]);
  let keep = order.slice(0, o.topK ? o.topK : order.length);
  const weight = (i: number) => Math.exp((LOGITS[i] - LOGITS[order[0]]) / o.temperature);
  if (o.topP !== undefined && o.topP < 1) {
    const total = keep.reduce((a, i) => a + weight(i), 0);
    let acc = 0;
    const cut = keep.findIndex((i) => (acc += weight(i) / total) >= o.topP!);
    keep = keep.slice(0, cut + 1);
  }
  if (o.minP) keep = keep.filter((i) => weight(i) >= o.minP! * weight(order[0]));
  const total = keep.reduce((a, i) => a + weight(i), 0);
  return [...LOGITS.keys()].map((i) => (keep.includes(i) ? weight(i) / total : 0));
}

const CASES = [
  { temperature: 1 },
  { temperature: 0.7 },
  { temperature: 1, topK: 3 },
  { temperature: 1, topP: 0.8 },
  { temperature: 1, minP: 0.2 },
  { temperature: 1.3, topK: 6, topP: 0.9, minP: 0.05 },
];

for (const o of CASES) {
  t.test(`draws follow ${JSON.stringify(o)}`, async (t) => {
    const p = expected(o);
    const draws = native().sampleCheck(LOGITS, o, 1234, DRAWS);
    const counts = new Array(LOGITS.length).fill(0);
    for (const d of draws) counts[d]++;
    for (let i = 0; i < p.length; i++) {
      if (p[i] === 0) {
        t.equal(counts[i], 0, `token ${i} is filtered out: never drawn`);
        continue;
      }
      // 4.5 standard deviations of a binomial count: all 48 checks pass by chance failing
      // about once in 3,000 runs, and a wrong distribution (a filter off by one token) misses by far more.
      const sd = Math.sqrt(DRAWS * p[i] * (1 - p[i]));
      t.ok(Math.abs(counts[i] - DRAWS * p[i]) <= 4.5 * sd, `token ${i}: ${counts[i]} draws, expected ${(DRAWS * p[i]).toFixed(0)} ± ${(4.5 * sd).toFixed(0)}`);
    }
  });
}

t.test('greedy, reproducibility and bad options', async (t) => {
  t.same([...native().sampleCheck(LOGITS, { temperature: 0 }, 1, 5)], [0, 0, 0, 0, 0], 'temperature 0 is greedy');
  const a = native().sampleCheck(LOGITS, { temperature: 1 }, 5, 200);
  t.same([...native().sampleCheck(LOGITS, { temperature: 1 }, 5, 200)], [...a], 'a seed reproduces');
  t.not([...native().sampleCheck(LOGITS, { temperature: 1 }, 6, 200)].join(), [...a].join(), 'another seed differs');
  t.throws(() => native().sampleCheck(LOGITS, { temperature: 1, minP: 2 }, 1, 1), { code: 'INVALID_ARGUMENT' });
  t.throws(() => native().sampleCheck(LOGITS, { temperature: -1 }, 1, 1), { code: 'INVALID_ARGUMENT' });
});
