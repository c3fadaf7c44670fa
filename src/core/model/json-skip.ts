// The structure scanner's skip loop in WebAssembly (json-skip.wat): loading it, and sharing its one instance
// between scanners that take turns (two dumps read at once by `diff`), each keeping its own scan state.
import { JSON_SKIP_WASM_BASE64 } from './json-skip-wasm.js';

/** The exports of json-skip.wat. */
interface SkipExports {
  memory: { buffer: ArrayBuffer };
  begin(): void;
  enter(): void;
  skip(pos: number, end: number, stop: number, capture: number): number;
  depth: WasmGlobal;
  inString: WasmGlobal;
  escaped: WasmGlobal;
  keyNext: WasmGlobal;
  keyReading: WasmGlobal;
  keyLength: WasmGlobal;
  keyLow: WasmGlobal<bigint>;
  keyHigh: WasmGlobal<bigint>;
  nameKey: WasmGlobal;
}
interface WasmGlobal<T = number> {
  value: T;
}
/** What of the WebAssembly global the loader uses (not in the TypeScript libraries this project loads). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** The scan state json-skip.wat keeps in globals, saved for a scanner while another one uses the instance. */
interface SkipState {
  depth: number;
  inString: number;
  escaped: number;
  keyNext: number;
  keyReading: number;
  keyLength: number;
  keyLow: bigint;
  keyHigh: bigint;
  nameKey: number;
}

/** The bytes one call of the WebAssembly skip sees: its memory holds one window of a chunk. */
export const WASM_WINDOW = 1 << 20;
/** The captured members in the order json-skip.wat numbers them ($nameKey 1 to 4). */
export const WASM_CAPTURED_KEYS = ['name', 'cluster_name', 'clusterName', 'domains'];

export class WasmSkip {
  /** The instance's memory: the window being scanned is copied here. */
  readonly bytes: Uint8Array;
  /** The scanner whose state the instance's globals hold, and the saved state of the others. */
  private owner: object | undefined;
  private readonly saved = new WeakMap<object, SkipState>();
  constructor(private readonly exports: SkipExports) {
    this.bytes = new Uint8Array(exports.memory.buffer);
  }

  /** Makes the instance's globals `scanner`'s, keeping those of the scanner that had them. */
  claim(scanner: object): void {
    if (this.owner === scanner) return;
    const g = this.exports;
    if (this.owner)
      this.saved.set(this.owner, {
        depth: g.depth.value,
        inString: g.inString.value,
        escaped: g.escaped.value,
        keyNext: g.keyNext.value,
        keyReading: g.keyReading.value,
        keyLength: g.keyLength.value,
        keyLow: g.keyLow.value,
        keyHigh: g.keyHigh.value,
        nameKey: g.nameKey.value,
      });
    const mine = this.saved.get(scanner);
    if (mine) {
      g.depth.value = mine.depth;
      g.inString.value = mine.inString;
      g.escaped.value = mine.escaped;
      g.keyNext.value = mine.keyNext;
      g.keyReading.value = mine.keyReading;
      g.keyLength.value = mine.keyLength;
      g.keyLow.value = mine.keyLow;
      g.keyHigh.value = mine.keyHigh;
      g.nameKey.value = mine.nameKey;
      this.saved.delete(scanner);
    }
    this.owner = scanner;
  }

  /** A skip begins for `scanner`, just after the opening byte of the value. */
  begin(scanner: object): void {
    this.claim(scanner);
    this.exports.begin();
  }

  /** json-skip.wat's `skip` on the window in memory (the caller has claimed the instance). */
  skip(pos: number, end: number, stop: number, capture: number): number {
    return this.exports.skip(pos, end, stop, capture);
  }

  /** A nested value starts (a captured list). */
  enter(): void {
    this.exports.enter();
  }

  /** Whether `scanner`'s skip stopped inside a string. */
  inString(scanner: object): boolean {
    return (this.owner === scanner ? this.exports.inString.value : this.saved.get(scanner)?.inString) === 1;
  }
}

let instance: WasmSkip | null | undefined;
let enabled = true;

/**
 * The WebAssembly skip, or null where WebAssembly or its SIMD instructions are not available (or the tests
 * switched it off).
 */
export function loadWasmSkip(): WasmSkip | null {
  if (!enabled) return null;
  if (instance !== undefined) return instance;
  instance = null;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return null;
  const bytes = Uint8Array.from(atob(JSON_SKIP_WASM_BASE64), (c) => c.charCodeAt(0));
  if (!api.validate(bytes)) return null;
  instance = new WasmSkip(new api.Instance(new api.Module(bytes)).exports as SkipExports);
  return instance;
}

/**
 * Whether scanners created from now on skip nested values with WebAssembly (when it is available). The tests
 * switch it off to compare the two paths; nothing else needs to.
 */
export function useWasmSkip(on: boolean): void {
  enabled = on;
}
