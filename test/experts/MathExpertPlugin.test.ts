import t from 'tap';
import { evaluateArithmetic, formatRational, MathExpertPlugin } from '../../lib/experts';

const math = new MathExpertPlugin();
const answer = async (text: string) => (await math.execute({ text }))?.text;

t.test('exact values for arithmetic before "="', async (t) => {
  const cases: [string, string][] = [
    ['12 * (3 + 4) =', '84'],
    ['So the total is 12*(3+4) = ', '84'],
    ['1/3 + 1/6 =', '0.5'],
    ['1/3 + 1/4 =', '7/12'],
    ['7 / 2 =', '3.5'],
    ['0.1 + 0.2 =', '0.3'],
    ['2^100 =', '1267650600228229401496703205376'],
    ['2**64 - 1 =', '18446744073709551615'],
    ['-2^2 =', '-4'],
    ['2^-2 =', '0.25'],
    ['(1 - 3) * 5 =', '-10'],
    ['10 ÷ 4 × 3 =', '7.5'],
    ['1,000 * 3 =', '3000'],
    ['99999999999999999999 * 99999999999999999999 =', '9999999999999999999800000000000000000001'],
    ['22/7 - 3 =', '1/7'],
  ];
  for (const [text, expected] of cases) {
    t.ok(math.canHandle({ text }), `canHandle: ${text}`);
    t.equal(await answer(text), expected, text);
  }
});

t.test('huge results are summarised, not written out', async (t) => {
  t.equal(await answer('3^1000 ='), '≈ 1.3220708194e+477');
  t.equal(await answer('1 / 7^200 ='), '≈ 9.5585495794e-170');
});

t.test('division by zero is an invalid verdict', async (t) => {
  const verdict = await math.execute({ text: '5 / (2 - 2) =' });
  t.equal(verdict?.status, 'invalid');
  t.equal(verdict?.ok, false);
  t.equal(verdict?.text, '✗ Error: division by zero');
});

t.test('does not fire on comparisons, bare numbers, code or prose', async (t) => {
  for (const text of ['x == ', 'a <= ', '5 =', 'The answer is', 'f(1, 2) =', '```python\nx = 3 + 4 =', 'Let x = 3 + 4', '2 ** 0.5 =', '2^99999999 =']) {
    t.notOk(math.canHandle({ text }), JSON.stringify(text));
  }
  t.equal(await answer('plain text'), undefined);
});

t.test('evaluator and formatter', async (t) => {
  t.same(evaluateArithmetic('6/4').value, { num: 3n, den: 2n });
  t.equal(formatRational({ num: -1n, den: 8n }), '-0.125');
  t.equal(formatRational({ num: 2n, den: 3n }), '2/3');
  t.throws(() => evaluateArithmetic('2 +'), { name: 'ArithmeticSyntaxError' });
  t.throws(() => evaluateArithmetic('2 ^ 1000000000'), { name: 'ArithmeticDomainError' });
});
