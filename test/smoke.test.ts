import t from 'tap';
import { CompilerExpertError } from '../lib/errors';
t.test('errors carry a code and their class name', async (t) => {
  const e = new CompilerExpertError('X_CODE', 'boom');
  t.equal(e.name, 'CompilerExpertError');
  t.equal(e.code, 'X_CODE');
});
