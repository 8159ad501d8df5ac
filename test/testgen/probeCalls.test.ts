// Probe inputs for best-of-n's agreement: the examples' calls and their nudged variants,
// checked against hand-written lists.
import t from 'tap';
import { extractPromptTests, probeCalls, splitArguments } from '../../lib/testgen';

t.test('arguments split at top-level commas only', async (t) => {
  t.same(splitArguments('1, [2, 3], "a,b", (4, 5), {"k": 6}'), ['1', '[2, 3]', '"a,b"', '(4, 5)', '{"k": 6}']);
  t.same(splitArguments(''), []);
  t.same(splitArguments("'it\\'s', 2"), ["'it\\'s'", '2']);
});

t.test('nudges: the example first, then one argument changed at a time', async (t) => {
  t.same(probeCalls(['f(3)'], 'python'), ['f(3)', 'f(4)', 'f(2)']);
  t.same(probeCalls(['f(0)'], 'python'), ['f(0)', 'f(1)'], 'no negative from a non-negative number');
  t.same(probeCalls(['g([1, 2, 3])'], 'python'), ['g([1, 2, 3])', 'g([3, 2, 1])', 'g([2, 3])', 'g([1, 2, 3, 1])', 'g([2, 3, 4])']);
  t.same(probeCalls(['h("abc", True)'], 'python'), ['h("abc", True)', 'h("cba", True)', 'h("bc", True)', 'h("abca", True)', 'h("abc", False)']);
  t.same(probeCalls(['h("abc", true)'], 'javascript'), ['h("abc", true)', 'h("cba", true)', 'h("bc", true)', 'h("abca", true)', 'h("abc", false)'], 'JS literals');
});

t.test('floats stay floats in Python; non-literal arguments stay as written', async (t) => {
  t.same(probeCalls(['m([1.0, 2.5])'], 'python'), ['m([1.0, 2.5])', 'm([2.5, 1.0])', 'm([2.5])', 'm([1.0, 2.5, 1.0])', 'm([2.0, 3.5])']);
  t.same(probeCalls(['k(1.5)'], 'python'), ['k(1.5)', 'k(2.0)']);
  t.same(probeCalls(['k(x, 2)'], 'python'), ['k(x, 2)', 'k(x, 3)', 'k(x, 1)']);
});

t.test('several examples: variants taken in turn, repeats dropped, capped', async (t) => {
  t.same(probeCalls(['f(1)', 'f(2)', 'f(1)'], 'python'), ['f(1)', 'f(2)', 'f(3)', 'f(0)']);
  t.equal(probeCalls(['g([1, 2, 3])', 'g([4, 5])'], 'python', { max: 3 }).length, 3);
  t.same(probeCalls(['not a call', 'x + 1'], 'python'), []);
});

t.test('read from a HumanEval-style docstring', async (t) => {
  const prompt = 'def below(l: list, t: int):\n    """\n    >>> below([1, 2, 4, 10], 100)\n    True\n    >>> below([1, 20, 4, 10], 5)\n    False\n    """\n';
  const calls = extractPromptTests(prompt, 'python').map((x) => x.call);
  t.same(calls, ['below([1, 2, 4, 10], 100)', 'below([1, 20, 4, 10], 5)']);
  const probes = probeCalls(calls as string[], 'python');
  t.equal(probes.length, 14, 'both examples and their 6 variants each (4 of the list, 2 of the number)');
  t.same(probes.slice(0, 4), ['below([1, 2, 4, 10], 100)', 'below([1, 20, 4, 10], 5)', 'below([10, 4, 2, 1], 100)', 'below([10, 4, 20, 1], 5)']);
});
