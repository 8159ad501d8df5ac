/**
 * What a Python worker thread needs to run one fresh interpreter after another in the same
 * JavaScript realm (see pyWorker.ts): Pyodide lets Python reach that realm's objects
 * (`to_js([]).constructor.prototype` is Array.prototype), so whatever one interpreter could
 * leave behind must be cut off before the next starts, or seen, in which case the worker is
 * not reused.
 *
 * - Entry points back into an old interpreter: its timers are cleared and its
 *   FinalizationRegistry callbacks (Python objects' `__del__` can run from them) dropped, both
 *   through wrappers installed before Pyodide first loads; its memory is then zeroed, so any
 *   other way in (a host promise settling late) finds no interpreter to run.
 * - Changes to the realm: a record of the language's intrinsics (every object reachable from
 *   the built-in constructors and namespaces: prototype, extensibility, every own property's
 *   descriptor) and of the global object's own properties, taken after each boot and
 *   compared after the job. Pyodide itself could not boot with the intrinsics frozen (it
 *   adds properties to Math's functions, among others), so they are checked, not frozen.
 *
 * Not covered, and why that is acceptable: the module-level state of Pyodide's own JS (shared
 * by the interpreters of one thread) and objects no global reaches. A run that altered those
 * could affect the later runs of its worker (at most `pythonRunsPerWorker`), never the machine
 * beyond the jail; `pythonRunsPerWorker: 1` gives every run a thread of its own.
 */

/** The roots of the intrinsics whose state a run must leave as it found it. */
const INTRINSIC_ROOTS = [
  'Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Math', 'JSON', 'Reflect',
  'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Proxy', 'Atomics', 'Intl',
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError',
  'RegExp', 'Date', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray',
  'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array',
  'BigUint64Array', 'WebAssembly', 'TextDecoder', 'TextEncoder', 'setTimeout', 'setInterval', 'setImmediate',
  'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'performance',
] as const;

/** Objects without a global name: the prototypes of generators, async functions and iterators. */
function hiddenIntrinsics(): object[] {
  return [
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf(async function* () {}),
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map().entries()),
    Object.getPrototypeOf(new Set().values()),
    Object.getPrototypeOf(''[Symbol.iterator]()),
  ];
}

type Shape = { object: object; proto: object | null; extensible: boolean; keys: (string | symbol)[]; parts: unknown[] };

/** A descriptor as a flat list, compared part by part with Object.is. */
function parts(d: PropertyDescriptor): unknown[] {
  return 'value' in d ? [d.value, d.writable, d.enumerable, d.configurable] : [d.get, d.set, d.enumerable, d.configurable];
}

/**
 * The recorded state of the realm. Only objects that were genuine intrinsics when recorded
 * are ever inspected again (a replaced value fails the comparison before anything looks
 * inside it), so a check never runs code a job left behind (a Proxy's traps, a getter).
 */
export class RealmRecord {
  private readonly shapes: Shape[] = [];
  private readonly globals: Shape;

  constructor() {
    const G = globalThis as Record<string | symbol, unknown>;
    const seen = new Set<object>();
    const stack: unknown[] = [...INTRINSIC_ROOTS.map((name) => G[name]), ...hiddenIntrinsics()];
    while (stack.length > 0) {
      const v = stack.pop();
      if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v) || v === globalThis) continue;
      seen.add(v);
      const shape = shapeOf(v);
      this.shapes.push(shape);
      stack.push(shape.proto);
      for (let i = 0; i < shape.parts.length; i += 4) stack.push(shape.parts[i], shape.parts[i + 1]);
    }
    this.globals = shapeOf(globalThis);
  }

  /**
   * The first difference from the recorded state (a short description), or undefined when
   * there is none. It runs in a realm a job may have changed, before anything else does, so
   * it calls only functions captured when this module loaded and reads only own properties
   * (no method, iterator or inherited property a job could have replaced).
   */
  difference(): string | undefined {
    const all = this.shapes;
    for (let s = -1; s < all.length; s++) {
      const shape = s < 0 ? this.globals : all[s];
      const object = shape.object;
      if (getProto(object) !== shape.proto) return 'a prototype was replaced';
      if (isExtensible(object) !== shape.extensible) return 'an intrinsic was made non-extensible';
      const keys = ownKeys(object), recorded = shape.keys;
      if (keys.length !== recorded.length) return keys.length > recorded.length ? added(keys, recorded) : 'a property was removed';
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] !== recorded[i]) return added(keys, recorded);
        const d = getOwnDescriptor(object, keys[i])!;
        const data = hasOwn(d, 'value');
        const p = shape.parts, at = 4 * i;
        if (
          !objectIs(data ? d.value : d.get, p[at]) || !objectIs(data ? d.writable : d.set, p[at + 1]) ||
          !objectIs(d.enumerable, p[at + 2]) || !objectIs(d.configurable, p[at + 3])
        ) return `property ${describeKey(recorded[i])} was changed`;
      }
    }
    return undefined;
  }
}

// Captured at load, before any interpreter (see difference()).
const ownKeys = Reflect.ownKeys, getOwnDescriptor = Reflect.getOwnPropertyDescriptor, getProto = Reflect.getPrototypeOf;
const isExtensible = Reflect.isExtensible, objectIs = Object.is, apply = Reflect.apply, StringOf = String;
const hasOwnProperty = Object.prototype.hasOwnProperty;
const hasOwn = (o: object, k: string) => apply(hasOwnProperty, o, [k]) as boolean;
const describeKey = (k: string | symbol) => (typeof k === 'symbol' ? 'a symbol' : StringOf(k));

/** Names the first key of `keys` that `recorded` lacks (own reads and loops only, as above). */
function added(keys: (string | symbol)[], recorded: (string | symbol)[]): string {
  for (let i = 0; i < keys.length; i++) {
    let known = false;
    for (let j = 0; j < recorded.length && !known; j++) known = keys[i] === recorded[j];
    if (!known) return `property ${describeKey(keys[i])} was added`;
  }
  return 'a property was removed';
}

function shapeOf(object: object): Shape {
  const keys = Reflect.ownKeys(object);
  const flat: unknown[] = [];
  for (const k of keys) flat.push(...parts(Reflect.getOwnPropertyDescriptor(object, k)!));
  return { object, proto: Reflect.getPrototypeOf(object), extensible: Reflect.isExtensible(object), keys, parts: flat };
}

/**
 * Timers and finalization callbacks tagged with the interpreter that made them. Installed
 * once, before Pyodide is first loaded (it keeps the globals it finds); `retire()` clears the
 * current interpreter's timers and drops its registries' callbacks for good.
 */
export class InterpreterGates {
  private generation = 0;
  private readonly timers = new Set<NodeJS.Timeout | NodeJS.Immediate>();

  install(): void {
    const G = globalThis as unknown as Record<string, unknown>;
    const track = <A extends unknown[], H extends NodeJS.Timeout | NodeJS.Immediate>(make: (...a: A) => H) =>
      (...a: A): H => {
        const handle = make(...a);
        this.timers.add(handle);
        return handle;
      };
    G.setTimeout = track(setTimeout as (...a: unknown[]) => NodeJS.Timeout);
    G.setInterval = track(setInterval as (...a: unknown[]) => NodeJS.Timeout);
    G.setImmediate = track(setImmediate as (...a: unknown[]) => NodeJS.Immediate);
    const gates = this;
    const Base = FinalizationRegistry;
    G.FinalizationRegistry = class<T> extends Base<T> {
      constructor(cleanup: (held: T) => void) {
        const born = gates.generation;
        super((held: T) => {
          if (born === gates.generation) cleanup(held);
        });
      }
    };
  }

  /** Cuts the current interpreter's timers and finalizers off; those of the next start fresh. */
  retire(): void {
    for (const t of this.timers) {
      clearTimeout(t as NodeJS.Timeout);
      clearInterval(t as NodeJS.Timeout);
      clearImmediate(t as NodeJS.Immediate);
    }
    this.timers.clear();
    this.generation++;
  }
}
