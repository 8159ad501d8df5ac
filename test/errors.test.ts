// One error hierarchy: what the library throws on purpose is a CompilerExpertError with a
// stable code, including the sandbox's, the experts', the test generator's and the
// addon's errors (mapped by code, the addon's message kept as it is).
import t from 'tap';
import { CompilerExpertError, DisposedError, ExpertRegistry, InvalidArgumentError, MathExpertPlugin, SandboxRunError, evaluateArithmetic, formatVerdict } from '../lib';
import { fromNative } from '../lib/errors';
import { generateTests } from '../lib/testgen';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof CompilerExpertError ? e.code : `not typed: ${String(e)}`;
  }
  return 'nothing thrown';
};

t.test('synchronous misuse and bad input carry a code', async (t) => {
  t.equal(codeOf(() => evaluateArithmetic('2 +')), 'ARITHMETIC_SYNTAX');
  t.equal(codeOf(() => evaluateArithmetic('1 / 0')), 'ARITHMETIC_DOMAIN');
  const registry = new ExpertRegistry().register(new MathExpertPlugin());
  t.equal(codeOf(() => registry.register(new MathExpertPlugin())), 'INVALID_ARGUMENT');
  const failedRun = { status: 'sandbox_error' as const, stdout: '', stderr: '', tests: [], durationMs: 0, error: { type: 'HostCrash', message: 'gone' } };
  t.equal(codeOf(() => formatVerdict(failedRun, { language: 'python', tests: [], timeoutMs: 1 })), 'SANDBOX_RUN_FAILED');
  t.throws(() => formatVerdict(failedRun, { language: 'python', tests: [], timeoutMs: 1 }), SandboxRunError);
});

t.test('asynchronous misuse carries a code', async (t) => {
  await t.rejects(generateTests('def f(): pass', 'python'), InvalidArgumentError, 'Python analysis needs a sandbox');
});

t.test('addon errors map by code and keep their message', async (t) => {
  const native = Object.assign(new Error('[session] the session has been disposed'), { code: 'DISPOSED' });
  const mapped = fromNative(native);
  t.ok(mapped instanceof DisposedError);
  t.equal((mapped as DisposedError).message, '[session] the session has been disposed');
  t.equal(new DisposedError('Session').message, 'Session has been disposed');
  const other = fromNative(Object.assign(new Error('odd'), { code: 'SOMETHING_NEW' }));
  t.ok(other instanceof CompilerExpertError && other.code === 'SOMETHING_NEW', 'an unknown code stays typed');
  const plain = new Error('not from the addon');
  t.equal(fromNative(plain), plain, 'an error without a code passes through');
});
