import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import type { BenchTask } from './types';
import { validateTask } from './validateTask';

/** The built-in suite: bench/suite in the package. */
export const DEFAULT_SUITE_DIR = path.resolve(__dirname, '../../bench/suite');

/**
 * Loads a suite: a `.jsonl` file (one task a line), a `.json` file (an array of tasks),
 * or a directory of such files (read in name order). Every task is validated and ids
 * must be unique across the files; `source` defaults to the file's base name.
 */
export async function loadSuite(fileOrDir: string = DEFAULT_SUITE_DIR): Promise<BenchTask[]> {
  const stat = await fs.stat(fileOrDir);
  const files = stat.isDirectory()
    ? (await fs.readdir(fileOrDir)).filter((f) => /\.jsonl?$/.test(f)).sort().map((f) => path.join(fileOrDir, f))
    : [fileOrDir];
  const tasks: BenchTask[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8');
    const source = path.basename(file).replace(/\.jsonl?$/, '');
    const values: { value: unknown; where: string }[] = file.endsWith('.jsonl')
      ? text.split('\n').flatMap((line, i) => (line.trim() ? [{ value: parseJson(line, `${file}:${i + 1}`), where: `${file}:${i + 1}` }] : []))
      : asArray(parseJson(text, file), file).map((value, i) => ({ value, where: `${file}[${i}]` }));
    for (const { value, where } of values) {
      const task = validateTask(value, where);
      if (ids.has(task.id)) throw new InvalidArgumentError(`${where}: duplicate task id '${task.id}'`);
      ids.add(task.id);
      tasks.push({ ...task, source: task.source ?? source });
    }
  }
  return tasks;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${where}: ${(e as Error).message}`);
  }
}

function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${where}: a .json suite must be an array of tasks`);
  return value;
}
