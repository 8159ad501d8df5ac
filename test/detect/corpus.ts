/**
 * Labelled texts for the CodeBlockDetector: each text with the events it must produce,
 * written compactly. The seed's calibration prompts come first.
 */

/** Compact label of one event. */
export type Label =
  | ['open', string?]
  | ['close', string | undefined, string]
  | ['fn', string, string, string?]
  | ['intent', string]
  | ['unclosed', string | undefined, string];

export interface Case {
  name: string;
  text: string;
  events: Label[];
}

const PY_FOO = 'def foo():\n    return 1';

export const CORPUS: Case[] = [
  // Seed calibration: positives.
  { name: 'seed+ python block', text: '```python\ndef foo():\n    return 1\n```', events: [['open', 'python'], ['close', 'python', PY_FOO]] },
  { name: 'seed+ untagged block after prose', text: "Here's the code:\n```\nprint('hello')\n```", events: [['open'], ['close', undefined, "print('hello')"]] },
  { name: 'seed+ function then run intent', text: 'def test():\n    pass\n\nLet me run this', events: [['fn', 'test', 'python', 'def test():\n    pass'], ['intent', 'Let me run this']] },
  // Seed calibration: negatives.
  { name: 'seed- prose about syntax', text: 'The syntax for Python is', events: [] },
  { name: 'seed- prose about functions', text: 'In programming, a function', events: [] },
  { name: 'seed- block only starting', text: '```python  # Just starting', events: [['open', 'python'], ['unclosed', 'python', '']] },
  { name: 'seed- question about code', text: 'What does this code do?', events: [] },

  // Tags and aliases.
  { name: 'py alias', text: '```py\nx = 1\n```\n', events: [['open', 'python'], ['close', 'python', 'x = 1']] },
  { name: 'python3 alias', text: '```python3\nprint(2)\n```', events: [['open', 'python'], ['close', 'python', 'print(2)']] },
  { name: 'js alias', text: '```js\nconsole.log(1);\n```', events: [['open', 'javascript'], ['close', 'javascript', 'console.log(1);']] },
  { name: 'node alias', text: '```node\nconsole.log(1);\n```', events: [['open', 'javascript'], ['close', 'javascript', 'console.log(1);']] },
  { name: 'ts alias', text: '```ts\nconst n: number = 1;\n```', events: [['open', 'typescript'], ['close', 'typescript', 'const n: number = 1;']] },
  { name: 'upper-case tag', text: '```Python\nx = 1\n```', events: [['open', 'python'], ['close', 'python', 'x = 1']] },
  { name: 'unknown tag kept', text: '```bash\nls -la\n```', events: [['open', 'bash'], ['close', 'bash', 'ls -la']] },
  { name: 'output tag', text: 'Output:\n```text\n[1, 2, 3]\n```', events: [['open', 'text'], ['close', 'text', '[1, 2, 3]']] },
  { name: 'info string with attributes', text: '```python title="a.py"\nx = 1\n```', events: [['open', 'python'], ['close', 'python', 'x = 1']] },
  { name: 'braced tag', text: '```{python}\nx = 1\n```', events: [['open', 'python'], ['close', 'python', 'x = 1']] },

  // Fence shapes.
  { name: 'tilde fence', text: '~~~python\nx = 1\n~~~', events: [['open', 'python'], ['close', 'python', 'x = 1']] },
  { name: 'four backticks hold three', text: '````md\n```python\nx = 1\n```\n````', events: [['open', 'md'], ['close', 'md', '```python\nx = 1\n```']] },
  { name: 'longer closing fence', text: '```\nx = 1\n`````\n', events: [['open'], ['close', undefined, 'x = 1']] },
  { name: 'shorter closing fence does not close', text: '````\nx = 1\n```\n', events: [['open'], ['unclosed', undefined, 'x = 1\n```']] },
  { name: 'tilde does not close backtick', text: '```\nx = 1\n~~~\n```', events: [['open'], ['close', undefined, 'x = 1\n~~~']] },
  { name: 'closing fence with trailing spaces', text: '```py\nx = 1\n```   \nDone.', events: [['open', 'python'], ['close', 'python', 'x = 1']] },
  { name: 'closing fence with text is not a close', text: '```py\nx = 1\n``` not a fence\n```', events: [['open', 'python'], ['close', 'python', 'x = 1\n``` not a fence']] },
  { name: 'indented fence, list item', text: '1. Run:\n   ```python\n   x = 1\n   print(x)\n   ```\n2. Done', events: [['open', 'python'], ['close', 'python', 'x = 1\nprint(x)']] },
  { name: 'two-space fence keeps deeper indent', text: '  ```python\n  def f():\n      return 2\n  ```', events: [['open', 'python'], ['close', 'python', 'def f():\n    return 2']] },
  { name: 'four spaces is not a fence', text: '    ```python\n    x = 1\n    ```', events: [] },
  { name: 'inline triple backticks in prose', text: 'Use ``` to start a block, then close it with ```.', events: [] },
  { name: 'backtick info with backtick is inline code', text: '```python``` is how you tag it.', events: [] },
  { name: 'fence string inside code line', text: '```python\ns = "```"\nprint(s)\n```', events: [['open', 'python'], ['close', 'python', 's = "```"\nprint(s)']] },
  { name: 'fence inside JS template literal line', text: '```js\nconst md = `\n  ```js\n`;\n```', events: [['open', 'javascript'], ['close', 'javascript', 'const md = `\n  ```js\n`;']] },
  { name: 'empty block', text: '```\n```', events: [['open'], ['close', undefined, '']] },
  { name: 'blank lines kept inside block', text: '```py\na = 1\n\nb = 2\n```', events: [['open', 'python'], ['close', 'python', 'a = 1\n\nb = 2']] },
  { name: 'CRLF line ends', text: '```py\r\nx = 1\r\n```\r\n', events: [['open', 'python'], ['close', 'python', 'x = 1']] },
  { name: 'two blocks', text: 'First:\n```py\na = 1\n```\nSecond:\n```js\nlet b = 2;\n```\n', events: [['open', 'python'], ['close', 'python', 'a = 1'], ['open', 'javascript'], ['close', 'javascript', 'let b = 2;']] },
  { name: 'code then output block', text: '```python\nprint(1 + 1)\n```\nOutput:\n```\n2\n```', events: [['open', 'python'], ['close', 'python', 'print(1 + 1)'], ['open'], ['close', undefined, '2']] },
  { name: 'unclosed block at end', text: 'Sure:\n```python\ndef f(x):\n    return x', events: [['open', 'python'], ['unclosed', 'python', 'def f(x):\n    return x']] },
  { name: 'unclosed block ending with partial fence', text: '```js\nlet a = 1;\n``', events: [['open', 'javascript'], ['unclosed', 'javascript', 'let a = 1;\n``']] },
  { name: 'block closed without final newline', text: '```\nls\n```', events: [['open'], ['close', undefined, 'ls']] },

  // Functions outside fences.
  { name: 'python function ended by prose', text: 'def add(a, b):\n    return a + b\nThat adds.', events: [['fn', 'add', 'python', 'def add(a, b):\n    return a + b']] },
  { name: 'python function at end of text', text: 'def sq(x):\n    return x * x\n', events: [['fn', 'sq', 'python', 'def sq(x):\n    return x * x']] },
  { name: 'python one-liner', text: 'def one(): return 1\nok', events: [['fn', 'one', 'python', 'def one(): return 1']] },
  { name: 'python header over lines', text: 'def f(\n    a,\n    b,\n):\n    return a\nend', events: [['fn', 'f', 'python', 'def f(\n    a,\n    b,\n):\n    return a']] },
  { name: 'python function with blank line in body', text: 'def g(x):\n    y = x\n\n    return y\n\nDone', events: [['fn', 'g', 'python', 'def g(x):\n    y = x\n\n    return y']] },
  { name: 'two python functions', text: 'def a():\n    return 1\ndef b():\n    return 2\n', events: [['fn', 'a', 'python', 'def a():\n    return 1'], ['fn', 'b', 'python', 'def b():\n    return 2']] },
  { name: 'python function without body is not complete', text: 'def f():\nprint(1)', events: [] },
  { name: 'python header only', text: 'def f(x):', events: [] },
  { name: 'async python function', text: 'async def go():\n    await x()\nNext', events: [['fn', 'go', 'python', 'async def go():\n    await x()']] },
  { name: 'python function ended by a fence', text: 'def f():\n    return 1\n```\nx\n```', events: [['fn', 'f', 'python', 'def f():\n    return 1'], ['open'], ['close', undefined, 'x']] },
  { name: 'js function declaration', text: 'function add(a, b) {\n  return a + b;\n}\nNow call it.', events: [['fn', 'add', 'javascript', 'function add(a, b) {\n  return a + b;\n}']] },
  { name: 'js function with brace in string', text: "function f() {\n  const s = '}';\n  return s;\n}\n", events: [['fn', 'f', 'javascript', "function f() {\n  const s = '}';\n  return s;\n}"]] },
  { name: 'js arrow function', text: 'const double = (x) => {\n  return 2 * x;\n};\n', events: [['fn', 'double', 'javascript', 'const double = (x) => {\n  return 2 * x;\n};']] },
  { name: 'ts function', text: 'export function len(s: string): number {\n  return s.length;\n}\n', events: [['fn', 'len', 'typescript', 'export function len(s: string): number {\n  return s.length;\n}']] },
  { name: 'js function unbalanced at end', text: 'function f() {\n  return 1;', events: [] },
  { name: 'function inside fence gives no fn event', text: '```py\ndef f():\n    return 1\n```\nok', events: [['open', 'python'], ['close', 'python', 'def f():\n    return 1']] },
  { name: 'prose mentioning def', text: 'In Python, def defines a function and def f(x) names it.', events: [] },
  { name: 'indented def is not top-level', text: '    def f():\n        return 1\nok', events: [] },

  // Run intent.
  { name: 'Running colon', text: 'Running:\n', events: [['intent', 'Running:']] },
  { name: "Let's test it", text: "Now let's test it.", events: [['intent', "let's test it"]] },
  { name: 'curly apostrophe', text: 'Let’s run it!', events: [['intent', 'Let’s run it']] },
  { name: 'Let me execute the code', text: 'Let me execute the code:\n', events: [['intent', 'Let me execute the code']] },
  { name: 'I will run this', text: 'I will run this now.', events: [['intent', 'I will run this']] },
  { name: 'intent with longer word does not fire', text: 'Let me run thistle through the mill.', events: [] },
  { name: 'intent inside a code block does not fire', text: '```py\n# Let me run this\nx = 1\n```', events: [['open', 'python'], ['close', 'python', '# Let me run this\nx = 1']] },
  { name: 'intent then block', text: 'Let me test it:\n```python\nprint(f(2))\n```', events: [['intent', 'Let me test it'], ['open', 'python'], ['close', 'python', 'print(f(2))']] },
  { name: 'Testing colon after code', text: '```js\nf(1)\n```\nTesting: f(1) should be 2', events: [['open', 'javascript'], ['close', 'javascript', 'f(1)'], ['intent', 'Testing:']] },
  { name: 'run without object does not fire', text: 'You can run the program from a terminal.', events: [] },
  { name: 'explaining how to run', text: 'To run this, install Python first.', events: [] },
  { name: 'prose with code words', text: 'A list comprehension like [x for x in y] is concise.', events: [] },
  { name: 'question about sorting', text: 'Why does list.sort() return None?', events: [] },
];
