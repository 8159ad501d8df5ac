/**
 * Puts a used Pyodide interpreter back into the state it had just before its first job, in
 * place: ~10 ms (checks and a 31 MB write) instead of ~130 ms of main-thread work (and ~200 ms of process CPU) for a
 * fresh interpreter from the snapshot, whose boot redoes the same instantiation, dynamic
 * linking and heap copy every time (see README "Where a boot's time goes").
 *
 * An interpreter's state lives in three places:
 * - its wasm memory: Python's whole heap (modules, builtins, sys, the allocator). Copied
 *   once after the boot, written back before every job.
 * - the hiwire tables, where Python keeps references to JS values (wasm externref tables the
 *   memory indexes into): their slots are written back, and the deduplication Map (one of
 *   the immortal values) gets its entries back.
 * - Pyodide's JavaScript: the Emscripten file system, the function table, loaded side
 *   modules, and Pyodide's own objects (Module, API, FS). These are not restored but
 *   checked: a job that wrote a file, left a file open, changed directory, loaded a side
 *   module, grew the function table or the memory, or changed a property of those objects
 *   makes the interpreter unrestorable, and the worker boots a fresh one from the snapshot
 *   (the old path). Ordinary runs touch none of them.
 *
 * Anything that runs between jobs (a late promise callback into the old heap) can change
 * only what the next reset writes back or checks, because the check and the write-back run
 * at the start of the next job, in the same synchronous turn as the job itself.
 */
import { ShapeRecord } from './pyRealm';
import { WASM, type WasmTable } from './wasm';

interface FsNode {
  name: string;
  mode: number;
  contents?: unknown;
  usedBytes?: number;
  link?: string;
}

interface FsStream {
  node?: FsNode;
}

interface EmscriptenFs {
  root: FsNode;
  streams: (FsStream | null | undefined)[];
  cwd(): string;
  isDir(mode: number): boolean;
  isChrdev(mode: number): boolean;
  [name: string]: unknown;
}

interface EmscriptenModule {
  HEAPU8: Uint8Array;
  FS: EmscriptenFs;
  wasmTable?: WasmTable;
  LDSO?: { loadedLibsByName: Record<string, unknown> };
  stackSave?: () => number;
  __hiwire_get(index: number): unknown;
  __hiwire_set(index: number, value: unknown): number;
  __hiwire_delete(index: number): void;
  __hiwire_immortal_get(index: number): unknown;
  [name: string]: unknown;
}

/** What the reset needs of a Pyodide instance (its public API object). */
export interface PyodideInternals {
  _module: EmscriptenModule;
  _api: object;
}

/** The file-system functions that change files or the tree (wrapped to notice a job using them). */
const FS_MUTATORS = [
  'write', 'truncate', 'ftruncate', 'doTruncate', 'mknod', 'mkdir', 'symlink', 'rename', 'unlink', 'rmdir',
  'chmod', 'fchmod', 'lchmod', 'chown', 'fchown', 'lchown', 'utime', 'mmap', 'msync', 'mount', 'unmount',
  'createDevice', 'registerDevice', 'doSetAttr', 'createNode', 'destroyNode',
] as const;

/** One node of the file tree as recorded: the object and what a change would alter. */
type NodeState = [node: FsNode, mode: number, contents: unknown, usedBytes: number | undefined, link: string | undefined, entries: string];

// Captured at load: the reset runs after a job may have replaced the built-ins' methods.
const apply = Reflect.apply, objectIs = Object.is;
const mapEntries = Map.prototype.entries, mapClear = Map.prototype.clear, mapSet = Map.prototype.set;
const iteratorNext = Object.getPrototypeOf(new Map().entries()).next as (this: Iterator<unknown>) => IteratorResult<unknown>;
const typedSet = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'set')!.value as (this: Uint8Array, a: ArrayLike<number>) => void;
const bufferLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get as (this: ArrayBuffer) => number;
const tableLength = Object.getOwnPropertyDescriptor(WASM.Table.prototype, 'length')!.get as (this: WasmTable) => number;
const keysOf = Object.keys;
const joinKeys = (o: object) => keysOf(o).join('\u0000');

/** Values of a hiwire table, read by index until the table ends (Pyodide's own snapshot code reads them so). */
function readTable(get: (i: number) => unknown): unknown[] {
  const values: unknown[] = [];
  for (let i = 0; ; i++) {
    try {
      values.push(get(i));
    } catch {
      return values;
    }
  }
}

function mapContents(map: Map<unknown, unknown>): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  const it = apply(mapEntries, map, []) as Iterator<[unknown, unknown]>;
  for (let r = apply(iteratorNext, it, []); !r.done; r = apply(iteratorNext, it, [])) out.push(r.value as [unknown, unknown]);
  return out;
}

/**
 * Whether `v` is a function exported by the wasm module (its name is its index). Module holds
 * ~4,500 of them; Pyodide's JavaScript calls nearly all through its own bindings, not through
 * Module, so they are compared after each job but not again right before the next (their
 * keys always are: none may be added or removed).
 */
function isWasmExport(v: unknown): boolean {
  return typeof v === 'function' && /^\d+$/.test(v.name);
}

export class InterpreterReset {
  private readonly module: EmscriptenModule;
  private readonly fs: EmscriptenFs;
  private readonly heap: Uint8Array;
  /** The memory's view and buffer when recorded (a grown memory has a new buffer). */
  private readonly view: Uint8Array;
  private readonly memory: ArrayBuffer;
  private readonly hiwire: unknown[];
  private readonly dedup: { map: Map<unknown, unknown>; entries: [unknown, unknown][] }[];
  private readonly functionTable: number;
  private readonly sideModules: string;
  private readonly stack: number | undefined;
  private readonly tree: NodeState[];
  private readonly streams: unknown[];
  /** FS.streams when recorded (FS's properties are compared too, so a replaced array shows there). */
  private readonly streamTable: unknown[];
  private readonly cwd: string;
  private readonly shapes: ShapeRecord;
  /** Module's wasm exports (see {@link isWasmExport}), compared only by a thorough check. */
  private readonly exports: ShapeRecord;
  /** The first file-system change a job made (set by the wrapped FS functions). */
  private fsChange: string | undefined;
  // Pyodide's functions this class calls, captured before any job could replace them.
  private readonly hiwireGet: (i: number) => unknown;
  private readonly hiwireSet: (i: number, v: unknown) => number;
  private readonly hiwireDelete: (i: number) => void;
  private readonly stackSave: (() => number) | undefined;
  private readonly fsCwd: () => string;
  private readonly isDir: (mode: number) => boolean;
  private readonly isChrdev: (mode: number) => boolean;

  /** Records `py` as it is now; call it right before the first job, after all set-up. */
  constructor(py: PyodideInternals, jsglobals: object) {
    const M = py._module;
    this.module = M;
    this.fs = M.FS;
    this.hiwireGet = M.__hiwire_get;
    this.hiwireSet = M.__hiwire_set;
    this.hiwireDelete = M.__hiwire_delete;
    this.stackSave = M.stackSave;
    this.fsCwd = this.fs.cwd;
    this.isDir = this.fs.isDir;
    this.isChrdev = this.fs.isChrdev;
    this.watchFileSystem();
    this.view = M.HEAPU8;
    this.memory = M.HEAPU8.buffer as ArrayBuffer;
    this.heap = M.HEAPU8.slice();
    this.hiwire = readTable(this.hiwireGet);
    this.dedup = [...this.hiwire, ...readTable(M.__hiwire_immortal_get)]
      .filter((v): v is Map<unknown, unknown> => v instanceof Map)
      .map((map) => ({ map, entries: mapContents(map) }));
    this.functionTable = M.wasmTable ? apply(tableLength, M.wasmTable, []) : -1;
    this.sideModules = M.LDSO ? joinKeys(M.LDSO.loadedLibsByName) : '';
    this.stack = this.stackSave?.();
    this.tree = this.recordTree();
    this.streamTable = this.fs.streams;
    this.streams = [...this.streamTable];
    this.cwd = this.fsCwd();
    // Shallow: the objects whose properties Pyodide's runtime reads by name. The file tree is
    // compared above; deeper objects (the heap views, the tables) are checked or restored.
    const fsParts = ['filesystems', 'streams', 'devices', 'mounts', 'root'].map((k) => this.fs[k]).filter((v) => typeof v === 'object' && v !== null);
    const memfs = (this.fs.filesystems as Record<string, unknown> | undefined)?.MEMFS as Record<string, unknown> | undefined;
    this.shapes = new ShapeRecord([M, py._api, py, this.fs, M.LDSO, M.hiwire, jsglobals, ...fsParts, memfs, memfs?.stream_ops, memfs?.node_ops, memfs?.ops_table], false, undefined, (object, _key, d) => object !== M || !isWasmExport(d.value));
    this.exports = new ShapeRecord([M], false, undefined, (_object, _key, d) => isWasmExport(d.value));
  }

  /**
   * Why the interpreter cannot be put back by {@link restore} (a short description), or
   * undefined when it can. Reads only own properties and calls only captured functions.
   * `thorough` also compares the ~4,500 wasm exports on Module (~2 ms more): the check after a
   * job is, the one right before the next (on the run's path) is not.
   */
  unrestorable(thorough = false): string | undefined {
    const M = this.module;
    if (this.fsChange !== undefined) return `the job changed the file system (${this.fsChange})`;
    // A grown memory detaches the recorded buffer (its length reads 0).
    if (apply(bufferLength, this.memory, []) !== this.heap.length) return 'the job grew the interpreter memory';
    if (M.wasmTable && apply(tableLength, M.wasmTable, []) !== this.functionTable) return 'the job grew the function table';
    if (M.LDSO && joinKeys(M.LDSO.loadedLibsByName) !== this.sideModules) return 'the job loaded a side module';
    if (this.stackSave && this.stackSave() !== this.stack) return 'the wasm stack pointer moved';
    // The file system first: its changes (cwd, streams) also show in FS's properties.
    if (this.fsCwd() !== this.cwd) return 'the job changed the working directory';
    const streams = this.streamTable;
    const open = (s: unknown) => s !== null && s !== undefined;
    for (let i = 0; i < Math.max(streams.length, this.streams.length); i++) {
      const was = this.streams[i], is = streams[i];
      if (open(was) || open(is) ? !objectIs(was, is) : false) return 'the job left a file open or closed one';
    }
    const tree = this.treeDifference();
    if (tree !== undefined) return tree;
    const shape = this.shapes.difference() ?? (thorough ? this.exports.difference() : undefined);
    if (shape !== undefined) return `Pyodide's JavaScript was changed: ${shape}`;
    return undefined;
  }

  /** Writes the recorded interpreter back: its memory and its hiwire tables. Only after {@link unrestorable} said undefined. */
  restore(): void {
    apply(typedSet, this.view, [this.heap]);
    const recorded = this.hiwire;
    for (let i = 0; i < recorded.length; i++) {
      if (this.hiwireSet(i, recorded[i]) < 0) throw new Error(`hiwire slot ${i} could not be written back`);
    }
    // Slots the job added: the restored memory knows them as never allocated.
    for (let i = recorded.length; ; i++) {
      try {
        this.hiwireGet(i);
      } catch {
        break;
      }
      this.hiwireDelete(i);
    }
    for (const { map, entries } of this.dedup) {
      apply(mapClear, map, []);
      for (const [k, v] of entries) apply(mapSet, map, [k, v]);
    }
  }

  /** Wraps the file-system functions that change files so a job's first change is noted. */
  private watchFileSystem(): void {
    const fs = this.fs;
    for (const name of FS_MUTATORS) {
      const f = fs[name];
      if (typeof f !== 'function') continue;
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      const reset = this;
      fs[name] = function (this: unknown, ...args: unknown[]) {
        // Output to the terminal devices (print) goes through write too, and changes no file.
        const device = name === 'write' && reset.isDeviceStream(args[0]);
        if (!device && reset.fsChange === undefined) reset.fsChange = name;
        return apply(f as (...a: unknown[]) => unknown, this, args);
      };
    }
  }

  private isDeviceStream(stream: unknown): boolean {
    const node = (stream as FsStream | null)?.node;
    return node !== undefined && this.isChrdev(node.mode);
  }

  private recordTree(): NodeState[] {
    const out: NodeState[] = [];
    const stack: FsNode[] = [this.fs.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const dir = this.isDir(node.mode) && typeof node.contents === 'object' && node.contents !== null;
      out.push([node, node.mode, node.contents, node.usedBytes, node.link, dir ? joinKeys(node.contents as object) : '']);
      if (!dir) continue;
      const children = node.contents as Record<string, FsNode>;
      for (const key of keysOf(children)) if (children[key] !== node) stack.push(children[key]);
    }
    return out;
  }

  private treeDifference(): string | undefined {
    for (const [node, mode, contents, usedBytes, link, entries] of this.tree) {
      if (node.mode !== mode || node.link !== link) return `the job changed ${node.name || '/'}`;
      if (!objectIs(node.contents, contents) || node.usedBytes !== usedBytes) return `the job changed ${node.name || '/'}`;
      if (entries !== '' && joinKeys(node.contents as object) !== entries) return `the job changed the directory ${node.name || '/'}`;
    }
    return undefined;
  }
}

