/** Prompts of the default model's parity checks against llama.cpp. */
export const PARITY_PROMPTS = [
  'Write a Python function that adds two numbers.',
  'What is the capital of France?',
  'Write a JavaScript function to reverse a string.',
  'Explain recursion in one sentence.',
  'List three prime numbers.',
  'Write a haiku about the sea.',
  'def fibonacci(n):',
  'Translate "good morning" to Spanish.',
  'What does HTTP stand for?',
  'Write a TypeScript interface for a user with a name and an age.',
];
