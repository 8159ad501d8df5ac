/**
 * Functions for the test generator: each correct, and with one planted bug of the kind
 * models write. `docs` marks functions whose documentation carries examples.
 */
import type { CodeLanguage } from '../../lib/detect/inferLanguage';

export interface Subject {
  id: string;
  language: CodeLanguage;
  correct: string;
  buggy: string;
}

const py = (id: string, correct: string, buggy: string): Subject => ({ id, language: 'python', correct, buggy });
const js = (id: string, correct: string, buggy: string): Subject => ({ id, language: 'javascript', correct, buggy });
const ts = (id: string, correct: string, buggy: string): Subject => ({ id, language: 'typescript', correct, buggy });

export const SUBJECTS: Subject[] = [
  py('sort_list (seed)', 'def sort_list(lst):\n    return sorted(lst)', 'def sort_list(lst):\n    return lst.sort()'),
  py(
    'find_max: max starts at 0',
    'def find_max(nums):\n    return max(nums)',
    'def find_max(nums):\n    m = 0\n    for x in nums:\n        if x > m:\n            m = x\n    return m',
  ),
  py(
    'average: wrong divisor (doc example)',
    'def average(nums: list[float]) -> float:\n    """Mean.\n\n    >>> average([1, 2, 3])\n    2.0\n    """\n    return sum(nums) / len(nums)',
    'def average(nums: list[float]) -> float:\n    """Mean.\n\n    >>> average([1, 2, 3])\n    2.0\n    """\n    return sum(nums) / (len(nums) + 1)',
  ),
  py('reverse_string: drops a char', 'def reverse_string(s: str) -> str:\n    return s[::-1]', 'def reverse_string(s: str) -> str:\n    return s[:0:-1]'),
  py('is_palindrome: off by one', 'def is_palindrome(text: str) -> bool:\n    return text == text[::-1]', 'def is_palindrome(text: str) -> bool:\n    return text == text[-2::-1]'),
  py(
    'remove_duplicates: returns input',
    'def remove_duplicates(items):\n    return list(dict.fromkeys(items))',
    'def remove_duplicates(items):\n    seen = []\n    for x in items:\n        seen.append(x)\n    return seen',
  ),
  py(
    'count_vowels: forgot return',
    'def count_vowels(text):\n    return sum(1 for c in text.lower() if c in "aeiou")',
    'def count_vowels(text):\n    total = sum(1 for c in text.lower() if c in "aeiou")',
  ),
  py(
    'factorial: off by one (doc example)',
    'def factorial(n: int) -> int:\n    """\n    >>> factorial(5)\n    120\n    """\n    out = 1\n    for i in range(2, n + 1):\n        out *= i\n    return out',
    'def factorial(n: int) -> int:\n    """\n    >>> factorial(5)\n    120\n    """\n    out = 1\n    for i in range(2, n):\n        out *= i\n    return out',
  ),
  py(
    'fibonacci: shifted index',
    'def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a',
    'def fibonacci(n):\n    a, b = 1, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a',
  ),
  py(
    'normalize_spaces: only doubles',
    'def normalize_spaces(text: str) -> str:\n    return " ".join(text.split())',
    'def normalize_spaces(text: str) -> str:\n    return text.replace("  ", " ")',
  ),
  py('unique_sorted: keeps duplicates', 'def unique_sorted(nums):\n    return sorted(set(nums))', 'def unique_sorted(nums):\n    return sorted(nums)'),
  py(
    'capitalize_words: method not called',
    'def capitalize_words(sentence: str) -> str:\n    return " ".join(w.capitalize() for w in sentence.split())',
    'def capitalize_words(sentence: str) -> str:\n    return sentence.title',
  ),
  py(
    'sum_of_squares: doubles instead',
    'def sum_of_squares(nums: list[int]) -> int:\n    return sum(x * x for x in nums)',
    'def sum_of_squares(nums: list[int]) -> int:\n    return sum(x * 2 for x in nums)',
  ),
  py(
    'second_largest: ignores duplicates',
    'def second_largest(nums):\n    return sorted(set(nums))[-2]',
    'def second_largest(nums):\n    return sorted(nums)[-2]',
  ),
  py(
    'word_count: returns a list',
    'def word_count(text: str) -> dict:\n    counts = {}\n    for w in text.split():\n        counts[w] = counts.get(w, 0) + 1\n    return counts',
    'def word_count(text: str) -> dict:\n    return text.split()',
  ),

  js(
    'sortNumbers: lexicographic sort',
    '/**\n * @param {number[]} arr\n * @returns {number[]}\n */\nfunction sortNumbers(arr) {\n  return [...arr].sort((a, b) => a - b);\n}',
    '/**\n * @param {number[]} arr\n * @returns {number[]}\n */\nfunction sortNumbers(arr) {\n  return [...arr].sort();\n}',
  ),
  js('sum: forgot return', 'function sum(arr) {\n  return arr.reduce((a, b) => a + b, 0);\n}', 'function sum(arr) {\n  arr.reduce((a, b) => a + b, 0);\n}'),
  js(
    'maxOf: starts at 0',
    'function maxOf(nums) {\n  return Math.max(...nums);\n}',
    'function maxOf(nums) {\n  let m = 0;\n  for (const n of nums) if (n > m) m = n;\n  return m;\n}',
  ),
  js('reverseArray: drops first', 'const reverseArray = (arr) => [...arr].reverse();', 'const reverseArray = (arr) => arr.slice(1).reverse();'),
  js(
    'isEven: inverted (doc example)',
    '/**\n * @example\n * isEven(4) // => true\n */\nfunction isEven(n) {\n  return n % 2 === 0;\n}',
    '/**\n * @example\n * isEven(4) // => true\n */\nfunction isEven(n) {\n  return n % 2 === 1;\n}',
  ),
  js(
    'capitalize: drops the rest',
    'function capitalize(word) {\n  return word.charAt(0).toUpperCase() + word.slice(1);\n}',
    'function capitalize(word) {\n  return word.charAt(0).toUpperCase();\n}',
  ),
  js(
    'countWords: forgot .length',
    'function countWords(text) {\n  return text.split(/\\s+/).filter(Boolean).length;\n}',
    'function countWords(text) {\n  return text.split(/\\s+/).filter(Boolean);\n}',
  ),
  js(
    'uniqueValues: keeps only repeats',
    'function uniqueValues(arr) {\n  return [...new Set(arr)];\n}',
    'function uniqueValues(arr) {\n  return arr.filter((x, i) => arr.indexOf(x) !== i);\n}',
  ),
  js(
    'average: wrong divisor (doc example)',
    '/**\n * @example\n * average([2, 4]) // => 3\n */\nfunction average(nums) {\n  return nums.reduce((a, b) => a + b, 0) / nums.length;\n}',
    '/**\n * @example\n * average([2, 4]) // => 3\n */\nfunction average(nums) {\n  return nums.reduce((a, b) => a + b, 0) / (nums.length - 1);\n}',
  ),

  ts('sortStrings: unsorted', 'function sortStrings(words: string[]): string[] {\n  return [...words].sort();\n}', 'function sortStrings(words: string[]): string[] {\n  return [...words];\n}'),
  ts('findMin: first element', 'function findMin(values: number[]): number {\n  return Math.min(...values);\n}', 'function findMin(values: number[]): number {\n  return values[0];\n}'),
  ts(
    'isPrime: loop too long (doc example)',
    '/**\n * @example isPrime(7) // => true\n */\nfunction isPrime(n: number): boolean {\n  if (n < 2) return false;\n  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;\n  return true;\n}',
    '/**\n * @example isPrime(7) // => true\n */\nfunction isPrime(n: number): boolean {\n  if (n < 2) return false;\n  for (let i = 2; i <= n; i++) if (n % i === 0) return false;\n  return true;\n}',
  ),
  ts(
    'dedupe: drops the first item',
    'function dedupe(items: number[]): number[] {\n  return items.filter((x, i) => items.indexOf(x) === i);\n}',
    'function dedupe(items: number[]): number[] {\n  return items.slice(1);\n}',
  ),
  ts(
    'toUpper: only the first letter',
    'function toUpper(s: string): string {\n  return s.toUpperCase();\n}',
    'function toUpper(s: string): string {\n  return s.charAt(0).toUpperCase() + s.slice(1);\n}',
  ),
  ts(
    'countPositive: counts zero',
    'function countPositive(nums: number[]): number {\n  return nums.filter((n) => n > 0).length;\n}',
    'function countPositive(nums: number[]): number {\n  return nums.filter((n) => n >= 0).length;\n}',
  ),
  ts(
    'median: not sorted first',
    'function median(nums: number[]): number {\n  const s = [...nums].sort((a, b) => a - b);\n  const m = Math.floor(s.length / 2);\n  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;\n}',
    'function median(nums: number[]): number {\n  const m = Math.floor(nums.length / 2);\n  return nums.length % 2 ? nums[m] : (nums[m - 1] + nums[m]) / 2;\n}',
  ),
  ts(
    'reverseWords: reverses letters',
    'function reverseWords(text: string): string {\n  return text.split(" ").reverse().join(" ");\n}',
    'function reverseWords(text: string): string {\n  return text.split("").reverse().join("");\n}',
  ),
];
