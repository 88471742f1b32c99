/**
 * How fast each core of this machine is, so results from different hosts (and different runs on a
 * host whose cores differ) can be read side by side. On the 2-vCPU VMs this benchmark runs on, one
 * vCPU has been measured ~60 % slower than the other at the same loop, so where the OS happens to
 * put a process moves its figures more than most optimizations do.
 *
 * Pinning uses `taskset` (util-linux); where it is missing, nothing is pinned and no per-core
 * figures are reported.
 */
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** 10⁸ additions, the figure the benchmark notes quote per host. */
const LOOP_SCRIPT =
  'const t = performance.now(); let x = 0; for (let i = 0; i < 1e8; i++) x += i;' +
  'process.stdout.write("LOOP_MS " + (performance.now() - t) + " " + (x > 0));';

export interface CoreSpeed {
  core: number;
  /** Wall time of the 10⁸-iteration loop pinned to this core, ms (lower is faster). */
  loopMs: number;
}

/** The command that runs `command args` pinned to `core`, or unpinned when `core` is undefined. */
export function pinned(core: number | undefined, command: string, args: string[]): [string, string[]] {
  return core === undefined ? [command, args] : ['taskset', ['-c', String(core), command, ...args]];
}

let pinning: Promise<boolean> | undefined;

/** Whether processes can be pinned to a core here (taskset present and allowed). */
export function canPin(): Promise<boolean> {
  pinning ??= run('taskset', ['-c', '0', process.execPath, '-e', '0'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  return pinning;
}

/** The cores processes can be pinned to: all of them, or none when pinning is not possible. */
export async function pinnableCores(): Promise<number[]> {
  return (await canPin()) ? cpus().map((_, core) => core) : [];
}

/** One loop per core, one after the other (a loop on each core at once would measure contention). */
export async function measureCoreSpeeds(): Promise<CoreSpeed[]> {
  const speeds: CoreSpeed[] = [];
  for (const core of await pinnableCores()) {
    const [command, args] = pinned(core, process.execPath, ['-e', LOOP_SCRIPT]);
    const { stdout } = await run(command, args, { timeout: 30_000 });
    const match = /LOOP_MS ([\d.]+)/.exec(stdout);
    if (!match) throw new Error(`no loop time from core ${core}: ${stdout.slice(-200)}`);
    speeds.push({ core, loopMs: Math.round(Number(match[1])) });
  }
  return speeds;
}

export function formatCoreSpeeds(speeds: readonly CoreSpeed[]): string {
  if (speeds.length === 0) return 'core speeds: not measured (no taskset)';
  const loops = speeds.map((s) => s.loopMs);
  const spread = Math.round((Math.max(...loops) / Math.min(...loops) - 1) * 100);
  return (
    `core speeds (10⁸-iteration loop): ${speeds.map((s) => `core ${s.core} ${s.loopMs} ms`).join(', ')}` +
    (spread >= 15 ? ` — the slowest is ${spread} % slower; figures move with where a process runs` : '')
  );
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryGb: number;
  node: string;
  platform: string;
  /** Empty where processes cannot be pinned (no taskset). */
  coreSpeeds: CoreSpeed[];
}

/** What a results file says about where it was measured. */
export function describeMachine(coreSpeeds: CoreSpeed[]): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalMemoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    coreSpeeds,
  };
}
