/**
 * Stack traces of a bundled Lambda in the original TypeScript positions, paid for only when a stack
 * is actually read.
 *
 * `--enable-source-maps` parses the whole map while the bundle loads: ~23 ms of a ~133 ms tool cold
 * start (Node 22, docs/benchmark.md), on every cold start, for stacks that are read only when
 * something fails. V8 formats `error.stack` on first access through `Error.prepareStackTrace`, so
 * this hook reads and parses `<bundle>.map` then, once per process, and maps each frame of a file
 * that has a map beside it; frames of other files are printed as V8 prints them.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The parts of V8's CallSite read here (the type is not in @types/node's globals). */
interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
  getEnclosingLineNumber?(): number | null;
  getEnclosingColumnNumber?(): number | null;
  toString(): string;
}

type PrepareStackTrace = (error: Error, frames: CallSite[]) => unknown;

const maps = new Map<string, SourceMap | null>();
let installed = false;

function mapFor(file: string): SourceMap | null {
  let loaded = maps.get(file);
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const path = file.startsWith('file:') ? fileURLToPath(file) : file;
    const payload = JSON.parse(readFileSync(`${path}.map`, 'utf8'));
    loaded = new SourceMap(payload);
  } catch {
    // No map beside the file, or an unreadable one: its frames stay as V8 prints them.
  }
  maps.set(file, loaded);
  return loaded;
}

/**
 * The map's sources are relative to wherever the bundler wrote the bundle on the build machine;
 * shown from the repository's point of view instead: "runtime/tools/execute-tool.ts",
 * "node_modules/@smithy/core/…".
 */
function displayPath(source: string): string {
  const nodeModules = source.lastIndexOf('node_modules/');
  if (nodeModules >= 0) return source.slice(nodeModules);
  const runtime = source.indexOf('runtime/');
  return runtime >= 0 ? source.slice(runtime) : source.replace(/^(\.\.\/)+/, '');
}

/** The frame in its original position, or undefined when it has none (no map, or not mapped). */
function mappedFrame(frame: CallSite, caller: CallSite | undefined): string | undefined {
  const file = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const map = file && line && column ? mapFor(file) : null;
  if (!map || !line || !column) return undefined;
  const entry = map.findEntry(line - 1, column - 1) as {
    originalSource?: string;
    originalLine?: number;
    originalColumn?: number;
  };
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  const position = `${displayPath(entry.originalSource)}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  const name = originalFunctionName(map, frame, caller) ?? frame.getFunctionName();
  return name ? `${name} (${position})` : position;
}

/**
 * The minified bundle renames functions. The map records the original name at the function's start,
 * or else at the call in the caller's frame when that is in the same file (as Node does).
 */
function originalFunctionName(
  map: SourceMap,
  frame: CallSite,
  caller: CallSite | undefined,
): string | undefined {
  const nameAt = (line: number | null | undefined, column: number | null | undefined) =>
    line && column ? (map.findEntry(line - 1, column - 1) as { name?: string }).name || undefined : undefined;
  const enclosing = nameAt(frame.getEnclosingLineNumber?.(), frame.getEnclosingColumnNumber?.());
  if (enclosing || !caller || caller.getFileName() !== frame.getFileName()) return enclosing;
  return nameAt(caller.getLineNumber(), caller.getColumnNumber());
}

/**
 * Installs the hook unless Node already maps stacks (`--enable-source-maps`). Stacks without a
 * mapped frame go to the formatter that was there before (Node's own), so they read as they did.
 * Call it in a Lambda entry, before the handler can run.
 */
export function useLazySourceMappedStacks(): void {
  const errorConstructor = Error as unknown as { prepareStackTrace?: PrepareStackTrace };
  if (process.sourceMapsEnabled || installed) return;
  installed = true;
  const previous = errorConstructor.prepareStackTrace;
  function formatWithSourceMaps(error: Error, frames: CallSite[]): unknown {
    const mapped = frames.map((frame, i) => mappedFrame(frame, frames[i + 1]));
    if (previous && mapped.every((frame) => frame === undefined)) return previous(error, frames);
    const lines = frames.map((frame, i) => `    at ${mapped[i] ?? frame.toString()}`);
    return [Error.prototype.toString.call(error), ...lines].join('\n');
  }
  errorConstructor.prepareStackTrace = formatWithSourceMaps;
}
