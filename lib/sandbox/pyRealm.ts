/**
 * What a Python worker thread needs to run many jobs in the same JavaScript realm, on an
 * interpreter put back in place between them (pyReset.ts) or on a fresh one (see
 * pyWorker.ts): Pyodide lets Python reach that realm's objects (`to_js([]).constructor.prototype`
 * is Array.prototype), so whatever one job could leave behind must be cut off before the next
 * starts, or seen, in which case the worker is not reused.
 *
 * - Entry points back into an old job: its timers are cleared and its interpreter's
 *   FinalizationRegistry callbacks (Python objects' `__del__` can run from them) dropped, both
 *   through wrappers installed before Pyodide first loads. A reset interpreter's memory is
 *   written back right before the next job, so whatever ran into it meanwhile is undone; a
 *   retired one's memory is zeroed, so any other way in (a host promise settling late) finds
 *   no interpreter to run.
 * - Changes to the realm: a record of the language's intrinsics (every object reachable from
 *   the built-in constructors and namespaces: prototype, extensibility, every own property's
 *   descriptor) and of the global object's own properties, taken after each boot and
 *   compared after the job and before the next. Pyodide itself could not boot with the
 *   intrinsics frozen (it adds properties to Math's functions, among others), so they are
 *   checked, not frozen.
 *
 * Not covered, and why that is acceptable: state of Pyodide's own JS held in closures (shared
 * by the jobs of one thread) and objects no global reaches. A run that altered those could
 * affect the later runs of its worker (at most `pythonRunsPerWorker`), never the machine
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

/**
 * An object as recorded: its keys in order, and the descriptors (4 parts each, see
 * {@link parts}) of those whose value is compared: all of them, or those `checked` lists.
 */
type Shape = { object: object; proto: object | null; extensible: boolean; keys: (string | symbol)[]; checked?: number[]; parts: unknown[] };

/** Which own properties of a recorded object have their values compared (all unless it says no). */
export type PropertyFilter = (object: object, key: string | symbol, d: PropertyDescriptor) => boolean;

/** A descriptor as a flat list, compared part by part with Object.is. */
function parts(d: PropertyDescriptor): unknown[] {
  return 'value' in d ? [d.value, d.writable, d.enumerable, d.configurable] : [d.get, d.set, d.enumerable, d.configurable];
}

/**
 * The recorded own properties (and prototype, extensibility) of a set of objects, compared
 * later without running anything a job may have left behind: only objects that were
 * recorded are ever inspected again (a replaced value fails the comparison before anything
 * looks inside it), so a check never runs a Proxy's traps or a getter.
 */
export class ShapeRecord {
  private readonly shapes: Shape[];

  /**
   * `deep`: also every object reachable from the recorded ones (prototypes, property values,
   * accessors). `compare`: the properties whose values are compared (the keys always are).
   */
  constructor(roots: readonly unknown[], deep: boolean, skip: ReadonlySet<unknown> = new Set(), compare?: PropertyFilter) {
    this.shapes = [];
    const seen = new Set<unknown>(skip);
    const stack: unknown[] = [...roots];
    while (stack.length > 0) {
      const v = stack.pop();
      if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) continue;
      seen.add(v);
      const shape = shapeOf(v, compare);
      this.shapes.push(shape);
      if (!deep) continue;
      stack.push(shape.proto);
      for (let i = 0; i < shape.parts.length; i += 4) stack.push(shape.parts[i], shape.parts[i + 1]);
    }
  }

  /**
   * The first difference from the recorded state (a short description), or undefined when
   * there is none. It may run in a realm a job has changed, so it calls only functions
   * captured when this module loaded and reads only own properties (no method, iterator or
   * inherited property a job could have replaced).
   */
  difference(): string | undefined {
    const all = this.shapes;
    for (let s = 0; s < all.length; s++) {
      const shape = all[s];
      const object = shape.object;
      if (getProto(object) !== shape.proto) return 'a prototype was replaced';
      if (isExtensible(object) !== shape.extensible) return 'an object was made non-extensible';
      const keys = ownKeys(object), recorded = shape.keys;
      if (keys.length !== recorded.length) return keys.length > recorded.length ? added(keys, recorded) : 'a property was removed';
      for (let i = 0; i < keys.length; i++) if (keys[i] !== recorded[i]) return added(keys, recorded);
      const checked = shape.checked, n = checked ? checked.length : keys.length;
      for (let c = 0; c < n; c++) {
        const i = checked ? checked[c] : c;
        const d = getOwnDescriptor(object, keys[i])!;
        const data = hasOwn(d, 'value');
        const p = shape.parts, at = 4 * c;
        if (
          !objectIs(data ? d.value : d.get, p[at]) || !objectIs(data ? d.writable : d.set, p[at + 1]) ||
          !objectIs(d.enumerable, p[at + 2]) || !objectIs(d.configurable, p[at + 3])
        ) return `property ${describeKey(recorded[i])} was changed`;
      }
    }
    return undefined;
  }
}

/** The recorded state of the realm: the intrinsics, deep, and the global object's own properties. */
export class RealmRecord {
  private readonly intrinsics: ShapeRecord;
  private readonly globals: ShapeRecord;

  constructor() {
    const G = globalThis as Record<string | symbol, unknown>;
    this.intrinsics = new ShapeRecord([...INTRINSIC_ROOTS.map((name) => G[name]), ...hiddenIntrinsics()], true, new Set([globalThis]));
    this.globals = new ShapeRecord([globalThis], false);
  }

  /** The first difference from the recorded state, or undefined (see {@link ShapeRecord.difference}). */
  difference(): string | undefined {
    return this.globals.difference() ?? this.intrinsics.difference();
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

function shapeOf(object: object, compare?: PropertyFilter): Shape {
  const keys = Reflect.ownKeys(object);
  const flat: unknown[] = [];
  const checked: number[] = [];
  keys.forEach((k, i) => {
    const d = Reflect.getOwnPropertyDescriptor(object, k)!;
    if (compare && !compare(object, k, d)) return;
    checked.push(i);
    flat.push(...parts(d));
  });
  const shape: Shape = { object, proto: Reflect.getPrototypeOf(object), extensible: Reflect.isExtensible(object), keys, parts: flat };
  if (compare) shape.checked = checked;
  return shape;
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
