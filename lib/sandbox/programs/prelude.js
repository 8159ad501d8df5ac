(function (channelBytes) {
'use strict';
const G = globalThis;
const O = Object, A = Array, S = String, N = Number, J = JSON, M = Math, R = Reflect;
const ownKeys = R.ownKeys, getDesc = O.getOwnPropertyDescriptor, getProto = O.getPrototypeOf;
const isArray = A.isArray, objIs = O.is, apply = R.apply, defineProp = O.defineProperty, freeze = O.freeze;
const ErrorCtor = Error, Pr = Promise, MapC = Map, SetC = Set, WeakSetC = WeakSet, DateC = Date, RegExpC = RegExp;
const uncurry = (f) => (self, ...args) => apply(f, self, args);
const strSlice = uncurry(S.prototype.slice), strRepeat = uncurry(S.prototype.repeat), strReplace = uncurry(S.prototype.replace);
const strSplit = uncurry(S.prototype.split), strIndexOf = uncurry(S.prototype.indexOf), strMatch = uncurry(S.prototype.match);
const arrPush = uncurry(A.prototype.push), arrJoin = uncurry(A.prototype.join), arrShift = uncurry(A.prototype.shift);
const arrSplice = uncurry(A.prototype.splice), arrSort = uncurry(A.prototype.sort);
const wsHas = uncurry(WeakSet.prototype.has), wsAdd = uncurry(WeakSet.prototype.add), wsDelete = uncurry(WeakSet.prototype.delete);
const mapEntries = uncurry(Map.prototype.entries), setValues = uncurry(Set.prototype.values), mapSize = uncurry(getDesc(Map.prototype, 'size').get), setSize = uncurry(getDesc(Set.prototype, 'size').get);
const dateIso = uncurry(Date.prototype.toISOString), dateTime = uncurry(Date.prototype.getTime), reToString = uncurry(RegExp.prototype.toString);
const fnToString = uncurry(Function.prototype.toString), symToString = uncurry(Symbol.prototype.toString), bigToString = uncurry(BigInt.prototype.toString);
const jsonStringify = J.stringify, now = DateC.now, promiseThen = uncurry(Pr.prototype.then), promiseResolve = Pr.resolve.bind(Pr);
const isDate = (v) => { try { dateTime(v); return true; } catch (e) { return false; } };
const isRegExp = (v) => { try { reToString(v); return v instanceof RegExpC; } catch (e) { return false; } };
const isMap = (v) => { try { mapSize(v); return true; } catch (e) { return false; } };
const isSet = (v) => { try { setSize(v); return true; } catch (e) { return false; } };

/* @channel-writer */
const sab = new SharedArrayBuffer(channelBytes);
const write = makeChannelWriter(sab, CHANNEL_LAYOUT);

// ---- inspect: a small util.inspect built in the context; never calls getters.
const MAX_ITEMS = 50;
function quote(s) { return "'" + strReplace(strReplace(strReplace(s, /\\/g, '\\\\'), /'/g, "\\'"), /\n/g, '\\n') + "'"; }
function keyText(k) { return typeof k === 'symbol' ? '[' + symToString(k) + ']' : (/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)); }
function ctorName(v) {
  try {
    const p = getProto(v);
    if (p === null) return '[Object: null prototype]';
    const d = getDesc(p, 'constructor');
    const c = d && d.value;
    const n = c && getDesc(c, 'name');
    return n && typeof n.value === 'string' ? n.value : '';
  } catch (e) { return ''; }
}
function inspect(v, depth, seen) {
  switch (typeof v) {
    case 'string': return depth === 0 ? v : quote(v);
    case 'number': return objIs(v, -0) ? '-0' : S(v);
    case 'bigint': return bigToString(v) + 'n';
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'undefined';
    case 'symbol': return symToString(v);
    case 'function': {
      let src = ''; try { src = fnToString(v); } catch (e) { src = ''; }
      const nd = getDesc(v, 'name'); const name = nd && typeof nd.value === 'string' && nd.value ? nd.value : '(anonymous)';
      return strSlice(src, 0, 6) === 'class ' ? '[class ' + name + ']' : '[Function: ' + name + ']';
    }
  }
  if (v === null) return 'null';
  return inspectObject(v, depth, seen || new WeakSetC());
}
function inspectObject(v, depth, seen) {
  if (wsHas(seen, v)) return '[Circular]';
  if (v instanceof ErrorCtor) return errorText(v);
  if (isDate(v)) { try { return dateIso(v); } catch (e) { return 'Invalid Date'; } }
  if (isRegExp(v)) return reToString(v);
  if (depth > 2) return isArray(v) ? '[Array]' : '[Object]';
  wsAdd(seen, v);
  try {
    const parts = [];
    let head = '', open = '{', close = '}';
    if (isArray(v)) {
      open = '['; close = ']';
      const len = v.length;
      for (let i = 0; i < len && i < MAX_ITEMS; i++) arrPush(parts, slot(v, S(i), depth, seen, false));
      if (len > MAX_ITEMS) arrPush(parts, '... ' + (len - MAX_ITEMS) + ' more items');
    } else if (isMap(v)) {
      head = 'Map(' + mapSize(v) + ') ';
      let i = 0;
      for (const [k, val] of mapEntries(v)) { if (i++ >= MAX_ITEMS) { arrPush(parts, '...'); break; } arrPush(parts, inspect(k, depth + 1, seen) + ' => ' + inspect(val, depth + 1, seen)); }
    } else if (isSet(v)) {
      head = 'Set(' + setSize(v) + ') ';
      let i = 0;
      for (const val of setValues(v)) { if (i++ >= MAX_ITEMS) { arrPush(parts, '...'); break; } arrPush(parts, inspect(val, depth + 1, seen)); }
    } else if (v instanceof Pr) {
      return 'Promise { <pending> }';
    } else {
      const name = ctorName(v);
      if (name && name !== 'Object') head = name + ' ';
    }
    if (!isArray(v)) {
      let n = 0;
      for (const k of ownKeys(v)) {
        const d = getDesc(v, k);
        if (!d || !d.enumerable) continue;
        if (n++ >= MAX_ITEMS) { arrPush(parts, '...'); break; }
        arrPush(parts, keyText(k) + ': ' + slot(v, k, depth, seen, true));
      }
    }
    if (parts.length === 0) return head + open + close;
    return head + open + ' ' + arrJoin(parts, ', ') + ' ' + close;
  } finally { wsDelete(seen, v); }
}
function slot(obj, k, depth, seen) {
  const d = getDesc(obj, k);
  if (!d) return '<empty>';
  if (d.get || d.set) return d.get && d.set ? '[Getter/Setter]' : d.get ? '[Getter]' : '[Setter]';
  return inspect(d.value, depth + 1, seen);
}
function dataProp(o, k) { try { const d = getDesc(o, k); return d && 'value' in d ? d.value : undefined; } catch (e) { return undefined; } }
function protoDataProp(o, k) {
  // Own data property, else the first data property up the chain; never runs a getter.
  try {
    for (let p = o, i = 0; p !== null && i < 20; p = getProto(p), i++) {
      const d = getDesc(p, k);
      if (d) return 'value' in d ? d.value : undefined;
    }
  } catch (e) { return undefined; }
  return undefined;
}
function errorText(e) {
  const name = protoDataProp(e, 'name'), msg = dataProp(e, 'message');
  const n = typeof name === 'string' ? name : 'Error';
  return typeof msg === 'string' && msg ? n + ': ' + msg : n;
}
function preview(v, max) {
  let s;
  try { s = inspect(v, 1); } catch (e) { s = '[uninspectable]'; }
  if (typeof v === 'string') s = quote(v);
  const lim = max || 200;
  return s.length > lim ? strSlice(s, 0, lim - 3) + '...' : s;
}

// ---- console
function format(args) {
  const out = [];
  let i = 0;
  if (typeof args[0] === 'string' && strIndexOf(args[0], '%') >= 0 && args.length > 1) {
    i = 1;
    const f = strReplace(args[0], /%([sdifjoOc%])/g, (m, c) => {
      if (c === '%') return '%';
      if (i >= args.length) return m;
      const a = args[i++];
      switch (c) {
        case 's': return typeof a === 'string' ? a : inspect(a, 1);
        case 'd': case 'i': { const x = N(typeof a === 'bigint' ? 0 : a); return S(c === 'i' ? M.trunc(x) : x); }
        case 'f': return S(N(a));
        case 'j': try { return jsonStringify(a); } catch (e) { return '[Circular]'; }
        case 'c': return '';
        default: return inspect(a, 0);
      }
    });
    arrPush(out, f);
  }
  for (; i < args.length; i++) arrPush(out, inspect(args[i], 0));
  return arrJoin(out, ' ');
}
let groupIndent = '';
function emit(stream, args) {
  let text = format(args);
  if (groupIndent) text = groupIndent + strReplace(text, /\n/g, '\n' + groupIndent);
  write(stream, text + '\n');
}
const counters = new MapC();
const consoleObj = {
  log: (...a) => emit(0, a), info: (...a) => emit(0, a), debug: (...a) => emit(0, a),
  error: (...a) => emit(1, a), warn: (...a) => emit(1, a), trace: (...a) => emit(1, a),
  dir: (v) => emit(0, [v]), table: (v) => emit(0, [v]),
  group: (...a) => { if (a.length) emit(0, a); groupIndent += '  '; }, groupEnd: () => { groupIndent = strSlice(groupIndent, 2); },
  count: (label) => { const k = label === undefined ? 'default' : S(label); const c = (counters.get(k) || 0) + 1; counters.set(k, c); emit(0, [k + ': ' + c]); },
  time: () => {}, timeEnd: () => {}, timeLog: () => {}, assert: (c, ...a) => { if (!c) emit(1, ['Assertion failed' + (a.length ? ': ' + format(a) : '')]); },
};

// ---- assert
class AssertionError extends ErrorCtor {
  constructor(message, got, expected) { super(message); this.got = got; this.expected = expected; }
}
defineProp(AssertionError.prototype, 'name', { value: 'AssertionError' });
function deepEq(a, b, seen) {
  if (objIs(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (getProto(a) !== getProto(b)) return false;
  if (isDate(a)) return dateTime(a) === dateTime(b);
  if (isRegExp(a)) return reToString(a) === reToString(b);
  if (!seen) seen = new MapC();
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (isMap(a)) {
    if (mapSize(a) !== mapSize(b)) return false;
    for (const [k, v] of mapEntries(a)) { if (!b.has(k) || !deepEq(v, b.get(k), seen)) return false; }
    return true;
  }
  if (isSet(a)) {
    if (setSize(a) !== setSize(b)) return false;
    for (const v of setValues(a)) { if (!b.has(v)) return false; }
    return true;
  }
  const ka = O.keys(a), kb = O.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) { if (!O.prototype.hasOwnProperty.call(b, k) || !deepEq(a[k], b[k], seen)) return false; }
  return true;
}
function fail(msg, actual, expected, op) {
  const got = preview(actual), exp = preview(expected);
  throw new AssertionError(msg !== undefined ? S(msg) : 'Expected values to be ' + op + ':\n' + got + '\n' + exp, got, exp);
}
function assert(cond, msg) { if (!cond) { const e = new AssertionError(msg !== undefined ? S(msg) : 'The expression evaluated to a falsy value', preview(cond), undefined); throw e; } }
assert.ok = assert;
assert.equal = (a, b, m) => { if (!(a === b || (a !== a && b !== b))) fail(m, a, b, 'strictly equal'); };
assert.strictEqual = assert.equal;
assert.notEqual = (a, b, m) => { if (a === b || (a !== a && b !== b)) fail(m, a, b, 'not equal'); };
assert.notStrictEqual = assert.notEqual;
assert.deepEqual = (a, b, m) => { if (!deepEq(a, b)) fail(m, a, b, 'deep-equal'); };
assert.deepStrictEqual = assert.deepEqual;
assert.notDeepEqual = (a, b, m) => { if (deepEq(a, b)) fail(m, a, b, 'not deep-equal'); };
assert.notDeepStrictEqual = assert.notDeepEqual;
assert.throws = (fn, expected, m) => {
  try { fn(); } catch (e) {
    if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof expected)) fail(m, e, expected, 'an instance of');
    if (isRegExp(expected) && !expected.test(errorText(e))) fail(m, errorText(e), expected, 'matching');
    return;
  }
  throw new AssertionError(typeof m === 'string' ? m : 'Missing expected exception.', 'no exception', preview(expected));
};
assert.fail = (m) => { throw new AssertionError(m === undefined ? 'Failed' : S(m)); };
assert.AssertionError = AssertionError;

// ---- timers: a queue driven by the worker (nextTimer/runTimers); no host timer is exposed.
let timerSeq = 0;
const timers = new MapC();
function addTimer(fn, ms, args, repeat) {
  if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
  const id = ++timerSeq;
  const delay = M.max(1, N(ms) || 0);
  timers.set(id, { fn, args, due: now() + delay, every: repeat ? delay : 0, seq: id });
  return id;
}
function clearTimer(id) { timers.delete(typeof id === 'object' && id !== null ? N(id.id) : N(id)); }
const timerApi = {
  setTimeout: (fn, ms, ...args) => addTimer(fn, ms, args, false),
  setInterval: (fn, ms, ...args) => addTimer(fn, ms, args, true),
  setImmediate: (fn, ...args) => addTimer(fn, 0, args, false),
  clearTimeout: clearTimer, clearInterval: clearTimer, clearImmediate: clearTimer,
  queueMicrotask: (fn) => { promiseThen(promiseResolve(), () => fn()); },
};
let uncaught;
function runTimers() {
  const t = now();
  const due = [];
  for (const [id, tm] of timers) if (tm.due <= t) arrPush(due, [id, tm]);
  arrSort(due, (x, y) => x[1].due - y[1].due || x[1].seq - y[1].seq);
  for (const [id, tm] of due) {
    if (!timers.has(id)) continue;
    if (tm.every) tm.due = now() + tm.every; else timers.delete(id);
    try { apply(tm.fn, undefined, tm.args); } catch (e) { if (uncaught === undefined) uncaught = { value: e }; timers.clear(); return; }
  }
}
function nextTimer() {
  if (uncaught !== undefined) return -1;
  let min = -1;
  for (const tm of timers.values()) if (min < 0 || tm.due < min) min = tm.due;
  return min < 0 ? -1 : M.max(0, min - now());
}

// ---- a small process lookalike, so model code that prints via process.stdout works.
class ExitSignal { constructor(code) { this.code = code; } }
const fakeProcess = {
  stdout: { write: (s) => write(0, S(s)) }, stderr: { write: (s) => write(1, S(s)) },
  argv: ['node', 'main.js'], env: {}, platform: 'sandbox', exitCode: undefined,
  exit: (code) => { throw new ExitSignal(code === undefined ? 0 : N(code)); },
  nextTick: (fn, ...args) => { promiseThen(promiseResolve(), () => apply(fn, undefined, args)); },
  hrtime: { bigint: () => BigInt(M.round(now() * 1e6)) },
};
function requireStub(name) { throw new ErrorCtor("Cannot find module '" + S(name) + "': modules are not available in the sandbox"); }
function importError(specifier) { return new ErrorCtor("Cannot import '" + S(specifier) + "': modules are not available in the sandbox"); }
const moduleObj = { exports: {} };
const frozen0 = new WeakSetC(); // objects user code may write to: never frozen

// ---- results
function location(stack, file) {
  const m = typeof stack === 'string' ? strMatch(stack, new RegExpC(file + ':(\\d+):(\\d+)')) : null;
  return m ? { line: N(m[1]), column: N(m[2]) } : undefined;
}
function toRunError(e, file) {
  if (typeof e !== 'object' || e === null || !(e instanceof ErrorCtor)) return { type: 'Uncaught', message: preview(e) };
  const stack = dataProp(e, 'stack');
  const msg = dataProp(e, 'message');
  const name = protoDataProp(e, 'name');
  const err = { type: typeof name === 'string' ? name : 'Error', message: typeof msg === 'string' ? strSlice(msg, 0, 2000) : '' };
  const mainLoc = location(stack, 'main\\.js');
  const loc = mainLoc || (file ? location(stack, file) : undefined);
  if (loc) { err.line = loc.line; err.column = loc.column; if (mainLoc && file) err.inMain = true; }
  if (typeof stack === 'string') {
    const lines = strSplit(stack, '\n');
    const keep = [];
    for (const l of lines) if (strIndexOf(l, 'main.js') >= 0 || strIndexOf(l, 'test-') >= 0 || keep.length === 0) arrPush(keep, l);
    err.traceback = strSlice(arrJoin(keep, '\n'), 0, 4000);
  }
  return err;
}
let mainError, exitCode, last, hasLast = false;
const tests = [];
function classify(e) {
  if (e instanceof ExitSignal) { exitCode = e.code; return undefined; }
  return e;
}
const control = freeze({
  sab,
  mainFailed(e) { e = classify(e); if (e !== undefined) { mainError = toRunError(e); timers.clear(); } },
  setLast(v) { last = v; hasLast = v !== undefined; },
  runTimers, nextTimer,
  importError,
  testPassed(i, src) { tests[i] = { test: S(src), passed: true }; },
  testFailed(i, src, e) {
    const t = { test: S(src), passed: false };
    if (e instanceof AssertionError) {
      if (e.got !== undefined) t.got = e.got;
      if (e.expected !== undefined) t.expected = e.expected;
    }
    t.error = toRunError(e, 'test-' + i + '\\.js');
    tests[i] = t;
  },
  testCompileError(i, src, type, message, line) { tests[i] = { test: S(src), passed: false, error: { type: S(type), message: S(message), line: N(line) || undefined } }; },
  finish() {
    const r = { status: 'ok', tests: [] };
    if (uncaught !== undefined && mainError === undefined) { const e = classify(uncaught.value); if (e !== undefined) mainError = toRunError(e); }
    if (mainError) { r.status = 'runtime_error'; r.error = mainError; }
    else if (exitCode !== undefined && exitCode !== 0) { r.status = 'runtime_error'; r.error = { type: 'ProcessExit', message: 'process.exit(' + exitCode + ')' }; }
    for (let i = 0; i < tests.length; i++) if (tests[i]) { arrPush(r.tests, tests[i]); if (!tests[i].passed && r.status === 'ok') r.status = 'test_failure'; }
    if (hasLast && !mainError) r.returnPreview = preview(last);
    return jsonStringify(r);
  },
});

wsAdd(frozen0, moduleObj); wsAdd(frozen0, moduleObj.exports); wsAdd(frozen0, fakeProcess); wsAdd(frozen0, fakeProcess.env);
// ---- FinalizationRegistry that never calls back. The worker runs more jobs after this one,
// each in a new context, and nothing of this context may run once its job has ended: a
// cleanup callback would (V8 calls it from a task of its own, after a collection, whenever
// that comes). The language never promises that cleanup runs, so these registries check
// their arguments and keep their tokens as the standard says, and never call the callback.
const WeakMapC = WeakMap, wmSet = uncurry(WeakMap.prototype.set), wmDelete = uncurry(WeakMap.prototype.delete);
const weakProbe = new WeakSetC();
function mustBeWeak(v, method) {
  // What a WeakSet refuses (primitives, registered symbols) a registry refuses too.
  try { wsAdd(weakProbe, v); } catch (e) { throw new TypeError('FinalizationRegistry.prototype.' + method + ': invalid target'); }
  wsDelete(weakProbe, v);
}
class FinalizationRegistry {
  #tokens = new WeakMapC();
  constructor(cleanupCallback) {
    if (typeof cleanupCallback !== 'function') throw new TypeError('FinalizationRegistry: cleanup must be callable');
  }
  register(target, heldValue, unregisterToken = undefined) {
    if (!(#tokens in this)) throw new TypeError('FinalizationRegistry.prototype.register called on an incompatible receiver');
    mustBeWeak(target, 'register');
    if (objIs(target, heldValue)) throw new TypeError('FinalizationRegistry.prototype.register: target and holdings must not be same');
    if (unregisterToken !== undefined) {
      mustBeWeak(unregisterToken, 'register');
      wmSet(this.#tokens, unregisterToken, true);
    }
  }
  unregister(unregisterToken) {
    if (!(#tokens in this)) throw new TypeError('FinalizationRegistry.prototype.unregister called on an incompatible receiver');
    mustBeWeak(unregisterToken, 'unregister');
    return wmDelete(this.#tokens, unregisterToken);
  }
}
defineProp(FinalizationRegistry.prototype, Symbol.toStringTag, { value: 'FinalizationRegistry', configurable: true });

// ---- install globals
const globals = { console: consoleObj, assert, process: fakeProcess, require: requireStub, module: moduleObj, exports: moduleObj.exports, FinalizationRegistry, ...timerApi };
for (const k of ownKeys(globals)) defineProp(G, k, { value: globals[k], writable: true, configurable: true, enumerable: false });

// ---- freeze the intrinsics. The override mistake (assigning obj.toString when a frozen
// prototype has toString) would break ordinary code, so those few properties become
// accessors that define an own property on the receiver instead.
function allowOverride(proto, key) {
  const d = getDesc(proto, key);
  if (!d || !('value' in d)) return;
  const value = d.value;
  defineProp(proto, key, {
    get() { return value; },
    set(v) {
      if (this === proto) throw new TypeError('Cannot assign to read only property ' + S(key) + ' of a frozen intrinsic');
      defineProp(this, key, { value: v, writable: true, enumerable: true, configurable: true });
    },
    enumerable: d.enumerable, configurable: false,
  });
}
for (const k of ['toString', 'valueOf', 'constructor', 'hasOwnProperty', 'toLocaleString', 'isPrototypeOf', 'propertyIsEnumerable']) allowOverride(O.prototype, k);
for (const k of ['name', 'message', 'toString', 'constructor']) allowOverride(ErrorCtor.prototype, k);
for (const k of ['toString', 'constructor']) allowOverride(Function.prototype, k);
// This runs before any user code, so it may call the intrinsics' methods directly (the
// uncurried copies above are for what runs later): ~4x faster, and it is most of a context's
// preparation (one per run).
const frozen = frozen0;
function deepFreeze(root) {
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || frozen.has(v)) continue;
    frozen.add(v);
    freeze(v);
    stack.push(getProto(v));
    for (const k of ownKeys(v)) {
      const d = getDesc(v, k);
      if ('value' in d) stack.push(d.value); else stack.push(d.get, d.set);
    }
  }
}
// Stack traces must stay strings made by V8: a prepareStackTrace hook would receive CallSites.
defineProp(ErrorCtor, 'prepareStackTrace', { value: undefined, writable: false, configurable: false });
for (const k of ownKeys(G)) {
  if (k === 'globalThis') continue;
  const d = getDesc(G, k);
  if (d && 'value' in d && (typeof d.value === 'function' || typeof d.value === 'object') && d.value !== null && d.value !== G) deepFreeze(d.value);
}
deepFreeze(getProto(function* () {}));
deepFreeze(getProto(async function () {}));
deepFreeze(getProto(async function* () {}));
deepFreeze(getProto([][Symbol.iterator]()));
deepFreeze(getProto(new MapC().entries()));
deepFreeze(getProto(new SetC().values()));
deepFreeze(getProto(''[Symbol.iterator]()));
deepFreeze(getProto(/x/[Symbol.matchAll](''))); 
return control;
})
