/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [--from-ms N]`: the hot spots of a
 * `--cpu-prof` profile of the bundled server (`npm run bench -- --cpu-prof`), by self time per
 * function and per source module. The bundle is one file, so each line is mapped back to the
 * module esbuild inlined there, using the `// path/to/module.ts` comments it writes before each.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Line (0-based) → module, from esbuild's module comments in a non-minified bundle. */
function moduleLines(bundle: string): (line: number) => string {
  const starts: { line: number; module: string }[] = [];
  bundle.split('\n').forEach((text, line) => {
    const match = /^\/\/ ((?:node_modules|runtime)\/\S+)$/.exec(text);
    if (match) starts.push({ line, module: match[1]! });
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(bundle preamble)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= line) {
        found = starts[mid]!.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** node_modules/@scope/pkg/... → @scope/pkg; runtime files stay as they are. */
function packageOf(module: string): string {
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
  return match ? match[1]! : module;
}

/** `fromMs` skips the start (module loading, source maps, the warm-up level) to show steady state. */
export function summarize(profile: CpuProfile, bundle?: string, fromMs = 0, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let clock = 0;
  let counted = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    clock += delta;
    if (clock < fromMs * 1000) return;
    counted += delta;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = counted / 1000;
  const locate = bundle ? moduleLines(bundle) : () => '';
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    const inBundle = bundle !== undefined && frame.url.endsWith('main.mjs');
    const module = inBundle
      ? locate(frame.lineNumber)
      : frame.url.replace(/^.*node_modules\//, '') || '(native)';
    const key = `${frame.functionName || '(anonymous)'}  ${module}${inBundle ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + micros / 1000);
    const group = frame.url === '' ? frame.functionName || '(native)' : packageOf(module || frame.url);
    modules.set(group, (modules.get(group) ?? 0) + micros / 1000);
  }
  const busy = total - (modules.get('(idle)') ?? 0);
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([name]) => !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, ms]) =>
          `${ms.toFixed(0).padStart(8)} ms ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${name}`,
      );
  return [
    `profile: ${total.toFixed(0)} ms, busy ${busy.toFixed(0)} ms (${((busy / total) * 100).toFixed(1)} %)`,
    '',
    'self time by package / module (share of busy time):',
    ...rows(modules),
    '',
    'self time by function:',
    ...rows(functions),
  ].join('\n');
}

const [file, flag, value] = process.argv.slice(2);
if (file && process.argv[1]?.endsWith('profile-summary.ts')) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const fromMs = flag === '--from-ms' ? Number(value) : 0;
  console.log(summarize(profile, readFileSync('dist/server/main.mjs', 'utf8'), fromMs));
}
