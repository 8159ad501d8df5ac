import { readProgram } from './contextPrelude';

/**
 * Python source of the harness module `_ce_harness` (the program is `programs/harness.py`).
 * It is imported once before the Pyodide memory snapshot is taken, so every run starts with
 * it (and `ast`, `json`, …) already loaded.
 * `run(code, tests_json)` executes the code in a fresh `__main__` namespace, then each test in
 * its own try, and returns the result as a JSON string. For `assert a <op> b` it evaluates
 * both sides once through the `ast` module, so a failure reports got = repr(a),
 * expected = repr(b).
 */
export const PYTHON_HARNESS = readProgram('harness.py');

/**
 * Python run before each job (`programs/lockdown.py`): seat belts that make the obvious routes
 * out fail with a clear error. They are not the boundary (the worker's JS realm is scrubbed, code generation is
 * off, and the host is jailed); they keep honest mistakes readable.
 */
export const PYTHON_LOCKDOWN = readProgram('lockdown.py');
