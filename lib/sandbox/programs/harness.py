import ast, builtins, json, operator, reprlib, sys, traceback

# Not used here: imported so that it is in the boot snapshot. The test generator's analyser
# reads docstring examples with it, and importing it (pdb, inspect, unittest, ...) costs
# ~1.6 s in a fresh Pyodide.
import doctest

_dumps = json.dumps
_loads = json.loads
_repr = reprlib.Repr()
_repr.maxstring = 160
_repr.maxother = 160
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 20
_repr.maxlevel = 4

_OPS = {
    ast.Eq: (operator.eq, '=='), ast.NotEq: (operator.ne, '!='), ast.Lt: (operator.lt, '<'),
    ast.LtE: (operator.le, '<='), ast.Gt: (operator.gt, '>'), ast.GtE: (operator.ge, '>='),
    ast.Is: (operator.is_, 'is'), ast.IsNot: (operator.is_not, 'is not'),
    ast.In: (lambda a, b: a in b, 'in'), ast.NotIn: (lambda a, b: a not in b, 'not in'),
}

def _preview(v):
    try:
        s = _repr.repr(v)
    except BaseException as e:
        s = '<repr failed: %s>' % type(e).__name__
    return s if len(s) <= 200 else s[:197] + '...'

def _error(e, filename):
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename in ('<main>', filename)]
    line = None
    for f in frames:
        if f.filename == '<main>':
            line = f.lineno
    if line is None and frames:
        line = frames[-1].lineno
    if line is None and isinstance(e, SyntaxError):
        line = e.lineno
    name = type(e).__name__
    try:
        message = str(e)
    except BaseException:
        message = '<str failed>'
    text = ''.join(traceback.format_list(frames)) + ''.join(traceback.format_exception_only(type(e), e))
    out = {'type': name, 'message': message[:2000], 'traceback': ('Traceback (most recent call last):\n' + text)[:4000]}
    if line is not None:
        out['line'] = line
    return out

def _syntax(e):
    out = {'type': type(e).__name__, 'message': str(e.msg)}
    if e.lineno is not None:
        out['line'] = e.lineno
    if e.offset is not None:
        out['column'] = e.offset
    return out

def _ev(node, ns, filename):
    return eval(compile(ast.Expression(node), filename, 'eval'), ns)

def _run_test(src, i, ns):
    t = {'test': src, 'passed': False}
    fname = '<test-%d>' % i
    try:
        tree = ast.parse(src, fname)
        code = compile(tree, fname, 'exec')
    except SyntaxError as e:
        t['error'] = _syntax(e)
        return t
    node = tree.body[0] if len(tree.body) == 1 else None
    try:
        if isinstance(node, ast.Assert):
            cmp = node.test
            if isinstance(cmp, ast.Compare) and len(cmp.ops) == 1 and type(cmp.ops[0]) in _OPS:
                op, sym = _OPS[type(cmp.ops[0])]
                left = _ev(cmp.left, ns, fname)
                right = _ev(cmp.comparators[0], ns, fname)
                ok = op(left, right)
                if not ok:
                    t['got'] = _preview(left)
                    t['expected'] = _preview(right)
                    detail = 'got %s, expected %s' % (t['got'], t['expected']) if sym == '==' else '%s %s %s is false' % (t['got'], sym, t['expected'])
            else:
                value = _ev(cmp, ns, fname)
                ok = bool(value)
                if not ok:
                    t['got'] = _preview(value)
                    detail = 'got %s' % t['got']
            if ok:
                t['passed'] = True
            else:
                msg = _ev(node.msg, ns, fname) if node.msg is not None else None
                t['error'] = {'type': 'AssertionError', 'message': str(msg) if msg is not None else detail, 'line': node.lineno}
        else:
            exec(code, ns)
            t['passed'] = True
    except BaseException as e:
        t['error'] = _error(e, fname)
    return t

def run(code, tests_json):
    tests = _loads(tests_json)
    result = {'status': 'ok', 'tests': []}
    try:
        tree = ast.parse(code, '<main>')
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body.pop().value
        body = compile(tree, '<main>', 'exec')
        last_code = compile(ast.Expression(last), '<main>', 'eval') if last is not None else None
    except SyntaxError as e:
        result['status'] = 'syntax_error'
        result['error'] = _syntax(e)
        return _dumps(result)
    except (MemoryError, RecursionError) as e:
        result['status'] = 'runtime_error'
        result['error'] = {'type': type(e).__name__, 'message': str(e)}
        return _dumps(result)
    ns = {'__name__': '__main__', '__builtins__': builtins}
    try:
        exec(body, ns)
        if last_code is not None:
            value = eval(last_code, ns)
            if value is not None:
                result['returnPreview'] = _preview(value)
    except SystemExit as e:
        if e.code not in (None, 0):
            result['status'] = 'runtime_error'
            result['error'] = {'type': 'SystemExit', 'message': 'exit code %r' % (e.code,)}
    except BaseException as e:
        result['status'] = 'runtime_error'
        result['error'] = _error(e, '<main>')
    if result['status'] == 'ok':
        for i, src in enumerate(tests):
            t = _run_test(src, i, ns)
            result['tests'].append(t)
            if not t['passed']:
                result['status'] = 'test_failure'
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException as e:
        # A stream the code broke must not cost the result; say so on the result instead.
        result['streamError'] = type(e).__name__
    return _dumps(result)
