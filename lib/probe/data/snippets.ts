/**
 * Hand-written code snippets the calibration contexts are built from. Each snippet is
 * a finished function with a few calls, what those calls print, and a one-line
 * pseudo-code plan; the context templates (calibrationContexts.ts) turn one snippet
 * into runnable and non-runnable framings of the same code, so the probe has to learn
 * intent rather than the code's surface.
 */

/** Languages the compiler expert runs. */
export type SnippetLanguage = 'python' | 'javascript' | 'typescript';

/** One finished piece of code and the material to frame it in several ways. */
export interface Snippet {
  /** Stable id; also the unit of the held-out split, so framings of one snippet never straddle it. */
  id: string;
  language: SnippetLanguage;
  /** What the function does, as a user would ask for it ("reverses a string"). */
  task: string;
  /** Function name. */
  name: string;
  /** The complete function. */
  code: string;
  /** A few calls that exercise it (print / console.log). */
  calls: string;
  /** What the calls print. */
  output: string;
  /** Steps of the algorithm in plain words, one per line. */
  plan: string[];
}

const py = (id: string, task: string, name: string, code: string, calls: string, output: string, plan: string[]): Snippet => ({ id, language: 'python', task, name, code, calls, output, plan });
const js = (id: string, task: string, name: string, code: string, calls: string, output: string, plan: string[]): Snippet => ({ id, language: 'javascript', task, name, code, calls, output, plan });
const ts = (id: string, task: string, name: string, code: string, calls: string, output: string, plan: string[]): Snippet => ({ id, language: 'typescript', task, name, code, calls, output, plan });

/** All snippets, grouped by language. */
export const SNIPPETS: readonly Snippet[] = [
  py('py-reverse', 'reverses a string', 'reverse_string',
    'def reverse_string(s):\n    return s[::-1]',
    "print(reverse_string('hello'))\nprint(reverse_string(''))",
    'olleh\n', ['take the string', 'walk it from the end to the start', 'return the characters in that order']),
  py('py-factorial', 'computes the factorial of n', 'factorial',
    'def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result',
    'print(factorial(5))\nprint(factorial(0))',
    '120\n1', ['start with result = 1', 'multiply result by every number from 2 to n', 'return result']),
  py('py-fib', 'returns the n-th Fibonacci number', 'fibonacci',
    'def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a',
    'print([fibonacci(i) for i in range(8)])',
    '[0, 1, 1, 2, 3, 5, 8, 13]', ['keep the last two numbers', 'advance them n times', 'return the first one']),
  py('py-prime', 'checks whether a number is prime', 'is_prime',
    'def is_prime(n):\n    if n < 2:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True',
    'print(is_prime(7))\nprint(is_prime(10))',
    'True\nFalse', ['numbers below 2 are not prime', 'try every divisor up to the square root', 'prime if none divides']),
  py('py-vowels', 'counts the vowels in a string', 'count_vowels',
    "def count_vowels(text):\n    return sum(1 for c in text.lower() if c in 'aeiou')",
    "print(count_vowels('Hello World'))",
    '3', ['lower-case the text', 'count characters that are vowels', 'return the count']),
  py('py-palindrome', 'checks whether a string is a palindrome', 'is_palindrome',
    "def is_palindrome(s):\n    cleaned = ''.join(c.lower() for c in s if c.isalnum())\n    return cleaned == cleaned[::-1]",
    "print(is_palindrome('A man, a plan, a canal: Panama'))\nprint(is_palindrome('abc'))",
    'True\nFalse', ['keep only letters and digits', 'lower-case them', 'compare with the reversed string']),
  py('py-flatten', 'flattens a nested list', 'flatten',
    'def flatten(items):\n    out = []\n    for item in items:\n        if isinstance(item, list):\n            out.extend(flatten(item))\n        else:\n            out.append(item)\n    return out',
    'print(flatten([1, [2, [3, 4]], 5]))',
    '[1, 2, 3, 4, 5]', ['for each item', 'if it is a list, flatten it recursively', 'otherwise append it']),
  py('py-wordfreq', 'counts how often each word appears in a sentence', 'word_counts',
    'def word_counts(sentence):\n    counts = {}\n    for word in sentence.split():\n        counts[word] = counts.get(word, 0) + 1\n    return counts',
    "print(word_counts('the cat and the hat'))",
    "{'the': 2, 'cat': 1, 'and': 1, 'hat': 1}", ['split the sentence into words', 'increment a counter per word', 'return the counters']),
  py('py-max', 'finds the largest number in a list without using max', 'find_max',
    'def find_max(numbers):\n    best = numbers[0]\n    for n in numbers[1:]:\n        if n > best:\n            best = n\n    return best',
    'print(find_max([3, 9, 2, 7]))',
    '9', ['assume the first number is the largest', 'compare with every other number', 'keep the larger one']),
  py('py-binsearch', 'does a binary search in a sorted list', 'binary_search',
    'def binary_search(items, target):\n    lo, hi = 0, len(items) - 1\n    while lo <= hi:\n        mid = (lo + hi) // 2\n        if items[mid] == target:\n            return mid\n        if items[mid] < target:\n            lo = mid + 1\n        else:\n            hi = mid - 1\n    return -1',
    'print(binary_search([1, 3, 5, 7, 9], 7))\nprint(binary_search([1, 3, 5], 4))',
    '3\n-1', ['look at the middle element', 'discard the half that cannot hold the target', 'stop when found or the range is empty']),
  py('py-celsius', 'converts Celsius to Fahrenheit', 'to_fahrenheit',
    'def to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32',
    'print(to_fahrenheit(100))\nprint(to_fahrenheit(-40))',
    '212.0\n-40.0', ['multiply by 9/5', 'add 32', 'return the result']),
  py('py-dedupe', 'removes duplicates from a list while keeping the order', 'dedupe',
    'def dedupe(items):\n    seen = set()\n    out = []\n    for x in items:\n        if x not in seen:\n            seen.add(x)\n            out.append(x)\n    return out',
    'print(dedupe([3, 1, 3, 2, 1]))',
    '[3, 1, 2]', ['remember the items already seen', 'append an item the first time only', 'return the new list']),
  py('py-gcd', 'computes the greatest common divisor of two numbers', 'gcd',
    'def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a',
    'print(gcd(48, 18))',
    '6', ['replace (a, b) by (b, a mod b)', 'repeat until b is zero', 'return a']),
  py('py-chunks', 'splits a list into chunks of size n', 'chunks',
    'def chunks(items, n):\n    return [items[i:i + n] for i in range(0, len(items), n)]',
    'print(chunks([1, 2, 3, 4, 5], 2))',
    '[[1, 2], [3, 4], [5]]', ['step through the list n at a time', 'slice n items at each step', 'collect the slices']),

  js('js-reverse', 'reverses a string', 'reverseString',
    "function reverseString(s) {\n  return s.split('').reverse().join('');\n}",
    "console.log(reverseString('hello'));",
    'olleh', ['split into characters', 'reverse the array', 'join it back']),
  js('js-sum', 'sums an array of numbers', 'sum',
    'function sum(numbers) {\n  return numbers.reduce((total, n) => total + n, 0);\n}',
    'console.log(sum([1, 2, 3, 4]));\nconsole.log(sum([]));',
    '10\n0', ['start from 0', 'add every number', 'return the total']),
  js('js-capitalize', 'capitalizes the first letter of each word', 'capitalizeWords',
    "function capitalizeWords(text) {\n  return text\n    .split(' ')\n    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))\n    .join(' ');\n}",
    "console.log(capitalizeWords('hello big world'));",
    'Hello Big World', ['split into words', 'upper-case the first letter of each', 'join with spaces']),
  js('js-fizzbuzz', 'returns FizzBuzz for a number', 'fizzBuzz',
    "function fizzBuzz(n) {\n  if (n % 15 === 0) return 'FizzBuzz';\n  if (n % 3 === 0) return 'Fizz';\n  if (n % 5 === 0) return 'Buzz';\n  return String(n);\n}",
    'for (let i = 1; i <= 5; i++) console.log(fizzBuzz(i));',
    '1\n2\nFizz\n4\nBuzz', ['multiples of 15 give FizzBuzz', 'multiples of 3 give Fizz, of 5 Buzz', 'otherwise the number itself']),
  js('js-debounce', 'counts the occurrences of each character in a string', 'charCounts',
    'function charCounts(text) {\n  const counts = {};\n  for (const c of text) counts[c] = (counts[c] || 0) + 1;\n  return counts;\n}',
    "console.log(charCounts('banana'));",
    "{ b: 1, a: 3, n: 2 }", ['walk the characters', 'increment a counter per character', 'return the counters']),
  js('js-range', 'builds an array of numbers from start to end', 'range',
    'function range(start, end) {\n  const out = [];\n  for (let i = start; i < end; i++) out.push(i);\n  return out;\n}',
    'console.log(range(2, 6));',
    '[ 2, 3, 4, 5 ]', ['start an empty array', 'push every number from start up to end', 'return it']),
  js('js-anagram', 'checks whether two words are anagrams', 'isAnagram',
    "function isAnagram(a, b) {\n  const norm = (s) => s.toLowerCase().split('').sort().join('');\n  return norm(a) === norm(b);\n}",
    "console.log(isAnagram('listen', 'silent'));\nconsole.log(isAnagram('cat', 'dog'));",
    'true\nfalse', ['sort the letters of both words', 'compare the sorted strings', 'equal means anagram']),
  js('js-maxdepth', 'computes the depth of a nested array', 'depth',
    'function depth(value) {\n  if (!Array.isArray(value)) return 0;\n  return 1 + Math.max(0, ...value.map(depth));\n}',
    'console.log(depth([1, [2, [3]]]));',
    '3', ['a non-array has depth 0', 'otherwise one more than the deepest element', 'recurse into elements']),
  js('js-unique', 'removes duplicate values from an array', 'unique',
    'function unique(values) {\n  return [...new Set(values)];\n}',
    'console.log(unique([1, 2, 2, 3, 1]));',
    '[ 1, 2, 3 ]', ['put the values in a set', 'spread the set back into an array', 'return it']),
  js('js-average', 'computes the average of an array', 'average',
    'function average(numbers) {\n  if (numbers.length === 0) return 0;\n  return numbers.reduce((a, b) => a + b, 0) / numbers.length;\n}',
    'console.log(average([2, 4, 9]));',
    '5', ['return 0 for an empty array', 'sum the numbers', 'divide by the count']),
  js('js-titlecase', 'counts the words in a sentence', 'wordCount',
    'function wordCount(sentence) {\n  return sentence.trim().split(/\\s+/).filter(Boolean).length;\n}',
    "console.log(wordCount('  the quick brown fox '));",
    '4', ['trim the sentence', 'split on whitespace', 'count the non-empty parts']),

  ts('ts-clamp', 'clamps a number between a minimum and a maximum', 'clamp',
    'function clamp(value: number, min: number, max: number): number {\n  return Math.min(Math.max(value, min), max);\n}',
    'console.log(clamp(15, 0, 10));\nconsole.log(clamp(-3, 0, 10));',
    '10\n0', ['take the larger of value and min', 'take the smaller of that and max', 'return it']),
  ts('ts-groupby', 'groups an array of items by a key', 'groupBy',
    'function groupBy<T>(items: T[], key: (item: T) => string): Record<string, T[]> {\n  const groups: Record<string, T[]> = {};\n  for (const item of items) {\n    const k = key(item);\n    (groups[k] ??= []).push(item);\n  }\n  return groups;\n}',
    "console.log(groupBy(['apple', 'avocado', 'banana'], (s) => s[0]));",
    "{ a: [ 'apple', 'avocado' ], b: [ 'banana' ] }", ['compute the key of each item', 'append the item to its group', 'return the groups']),
  ts('ts-stack', 'implements a small stack class', 'Stack',
    'class Stack<T> {\n  private items: T[] = [];\n  push(item: T): void {\n    this.items.push(item);\n  }\n  pop(): T | undefined {\n    return this.items.pop();\n  }\n  get size(): number {\n    return this.items.length;\n  }\n}',
    'const s = new Stack<number>();\ns.push(1);\ns.push(2);\nconsole.log(s.pop(), s.size);',
    '2 1', ['keep the items in an array', 'push adds at the end', 'pop removes from the end']),
  ts('ts-parseint', 'parses a comma-separated list of integers', 'parseNumbers',
    "function parseNumbers(text: string): number[] {\n  return text.split(',').map((part) => parseInt(part.trim(), 10)).filter((n) => !Number.isNaN(n));\n}",
    "console.log(parseNumbers('1, 2, x, 4'));",
    '[ 1, 2, 4 ]', ['split on commas', 'parse each trimmed part', 'drop what is not a number']),
  ts('ts-zip', 'zips two arrays into pairs', 'zip',
    'function zip<A, B>(a: A[], b: B[]): [A, B][] {\n  const n = Math.min(a.length, b.length);\n  const out: [A, B][] = [];\n  for (let i = 0; i < n; i++) out.push([a[i], b[i]]);\n  return out;\n}',
    "console.log(zip([1, 2, 3], ['a', 'b']));",
    "[ [ 1, 'a' ], [ 2, 'b' ] ]", ['take the shorter length', 'pair the elements at each index', 'return the pairs']),
  ts('ts-initials', 'returns the initials of a full name', 'initials',
    "function initials(name: string): string {\n  return name\n    .split(' ')\n    .filter((p) => p.length > 0)\n    .map((p) => p[0].toUpperCase())\n    .join('');\n}",
    "console.log(initials('ada lovelace'));",
    'AL', ['split the name into parts', 'take the first letter of each', 'upper-case and join']),
  ts('ts-sumby', 'sums the prices of the items in a cart', 'cartTotal',
    'interface Item {\n  name: string;\n  price: number;\n  qty: number;\n}\n\nfunction cartTotal(items: Item[]): number {\n  return items.reduce((total, item) => total + item.price * item.qty, 0);\n}',
    "console.log(cartTotal([{ name: 'pen', price: 2, qty: 3 }, { name: 'book', price: 10, qty: 1 }]));",
    '16', ['multiply price by quantity for each item', 'add the products', 'return the total']),
  ts('ts-isvalid', 'checks whether an email address looks valid', 'isValidEmail',
    'function isValidEmail(email: string): boolean {\n  return /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(email);\n}',
    "console.log(isValidEmail('a@b.co'));\nconsole.log(isValidEmail('nope'));",
    'true\nfalse', ['something before the @', 'a domain with a dot after it', 'no spaces anywhere']),
  ts('ts-memo', 'memoizes a function of one number', 'memoize',
    'function memoize(fn: (n: number) => number): (n: number) => number {\n  const cache = new Map<number, number>();\n  return (n) => {\n    if (!cache.has(n)) cache.set(n, fn(n));\n    return cache.get(n)!;\n  };\n}',
    'const square = memoize((n) => n * n);\nconsole.log(square(4), square(4));',
    '16 16', ['keep a map from argument to result', 'compute on a miss and store it', 'return the stored result']),
  ts('ts-chunk', 'splits an array into chunks of a given size', 'chunk',
    'function chunk<T>(items: T[], size: number): T[][] {\n  const out: T[][] = [];\n  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));\n  return out;\n}',
    'console.log(chunk([1, 2, 3, 4, 5], 2));',
    '[ [ 1, 2 ], [ 3, 4 ], [ 5 ] ]', ['step through the array size at a time', 'slice each chunk', 'collect the chunks']),
  ts('ts-countdown', 'formats a number of seconds as minutes and seconds', 'formatDuration',
    "function formatDuration(seconds: number): string {\n  const m = Math.floor(seconds / 60);\n  const s = seconds % 60;\n  return `${m}:${String(s).padStart(2, '0')}`;\n}",
    'console.log(formatDuration(125));',
    '2:05', ['divide by 60 for the minutes', 'the remainder is the seconds', 'pad the seconds to two digits']),
];
