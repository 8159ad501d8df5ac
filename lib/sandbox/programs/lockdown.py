import sys, os
def _blocked(*a, **k):
    raise PermissionError('not available in the sandbox')
os.system = _blocked
os.popen = _blocked
for _name in ('js', 'pyodide_js', 'micropip'):
    sys.modules[_name] = None
_setrecursionlimit = sys.setrecursionlimit
def _clamped_recursionlimit(n):
    # Deeper Python recursion overflows the wasm/JS stack, which kills the interpreter
    # instead of raising RecursionError.
    _setrecursionlimit(min(int(n), 2000))
sys.setrecursionlimit = _clamped_recursionlimit
del _name, _blocked
