import { InvalidArgumentError } from '../errors';
import { TASK_KINDS, type BenchTask } from './types';

const LANGUAGES = ['python', 'javascript', 'typescript'];

/** Checks that `value` is a well-formed {@link BenchTask}; `where` names it in the error. */
export function validateTask(value: unknown, where: string): BenchTask {
  const t = value as Partial<BenchTask> | null;
  const fail = (what: string): never => {
    throw new InvalidArgumentError(`${where}: ${what}`);
  };
  if (typeof t !== 'object' || t === null) return fail('not an object');
  const isText = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  const isTests = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (!isText(t.id)) fail('id must be a non-empty string');
  if (!TASK_KINDS.includes(t.kind as BenchTask['kind'])) fail(`kind must be one of ${TASK_KINDS.join(', ')}`);
  if (!LANGUAGES.includes(t.language as string)) fail(`language must be one of ${LANGUAGES.join(', ')}`);
  if (!isText(t.prompt)) fail('prompt must be a non-empty string');
  if (!isText(t.entryPoint)) fail('entryPoint must be a non-empty string');
  if (!isTests(t.hiddenTests) || t.hiddenTests!.length === 0) fail('hiddenTests must be a non-empty array of strings');
  if (t.examples !== undefined && !isTests(t.examples)) fail('examples must be an array of strings');
  if (t.solution !== undefined && typeof t.solution !== 'string') fail('solution must be a string');
  return t as BenchTask;
}
