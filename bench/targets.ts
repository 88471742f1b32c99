/**
 * Issue 8's targets, judged against a run's results: each target with the figure measured for it
 * and whether it was met, so a run says for itself where it stands instead of leaving the reader
 * to compare tables with the issue. `npm run bench` prints the verdicts and stores them in the
 * results file; `npx tsx bench/targets.ts <results.json>...` judges files already written (several
 * files are judged together: a levels run and a separate soak, say; a level, the soak or the
 * bundles are taken from the first file that has them).
 *
 * A target a run did not measure (no 200-call level, no 10-minute soak, bundles not timed) is
 * "not measured", never met. A target that holds at every level is judged over all the levels
 * the run has, and when it fails the verdict says up to where it held.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleResult } from './bundles';
import type { LevelSummary } from './report';
import type { SoakSummary } from './soak';

export interface JudgedRun {
  levels: readonly LevelSummary[];
  soak?: SoakSummary;
  bundles: readonly BundleResult[];
}

export interface TargetVerdict {
  id: string;
  target: string;
  /** The figure(s) the verdict rests on, readable as they are. */
  measured: string;
  /** null: this run did not measure it. */
  met: boolean | null;
}

/** The function name the benchmark gives the dialer; every other bundle is a tool's. */
export const DIALER_FUNCTION = 'reminder_dialer';
/**
 * "≤ 500 KB" in bytes. test/tools/lambda-bundles.test.ts holds every tool bundle to it as well,
 * because a size, unlike a time, is the same on every machine: a heavy dependency slipping into
 * every tool fails the suite, not just the next benchmark.
 */
export const MAX_TOOL_BUNDLE_BYTES = 500_000;
/** The 10-minute soak the target asks for; shorter soaks are reported but not judged. */
const SOAK_MINUTES = 10;
/** The server is one Node process: 200 calls on it are the target's "200 calls per core". */
const CALLS_PER_CORE = 200;

const ms = (n: number | null): string => (n === null ? '-' : `${n} ms`);
const unmeasured = (id: string, target: string, why: string): TargetVerdict => ({
  id,
  target,
  measured: why,
  met: null,
});

function atLevel(
  run: JudgedRun,
  calls: number,
  id: string,
  target: string,
  judge: (level: LevelSummary) => { measured: string; met: boolean | null },
): TargetVerdict {
  const level = run.levels.find((l) => l.calls === calls);
  if (!level) return unmeasured(id, target, `no ${calls}-call level in this run`);
  return { id, target, ...judge(level) };
}

/** A limit every level must keep: the figures level by level, and up to where it held. */
function everyLevel(
  run: JudgedRun,
  id: string,
  target: string,
  pick: (level: LevelSummary) => number | null,
  limit: number,
  unit: (n: number) => string = ms,
): TargetVerdict {
  const levels = [...run.levels].sort((a, b) => a.calls - b.calls);
  const figures = levels.map((l) => ({ calls: l.calls, value: pick(l) }));
  const known = figures.filter((f): f is { calls: number; value: number } => f.value !== null);
  if (known.length === 0) return unmeasured(id, target, 'no level measured it');
  const listed = figures.map((f) => `${f.calls}: ${f.value === null ? '-' : unit(f.value)}`).join(' · ');
  const firstMiss = known.findIndex((f) => f.value > limit);
  if (firstMiss === -1) return { id, target, measured: listed, met: true };
  const heldUpTo = firstMiss > 0 ? `; held up to ${known[firstMiss - 1]!.calls} calls` : '';
  return { id, target, measured: `${listed}${heldUpTo}`, met: false };
}

function overheadAt(run: JudgedRun, calls: number, limitMs: number): TargetVerdict {
  return atLevel(
    run,
    calls,
    `overhead-${calls}`,
    `our overhead per turn p99 ≤ ${limitMs} ms at ${calls} call${calls === 1 ? '' : 's'}`,
    (l) => ({
      measured:
        `p99 ${ms(l.overheadMs.p99)} (n ${l.overheadMs.n}); tool turns ${ms(l.overheadToolTurnsMs.p99)}, ` +
        `others ${ms(l.overheadOtherTurnsMs.p99)}`,
      met: l.overheadMs.p99 === null ? null : l.overheadMs.p99 <= limitMs,
    }),
  );
}

function soakTarget(soak: SoakSummary | undefined): TargetVerdict {
  const id = 'soak';
  const target = `memory flat over a ${SOAK_MINUTES}-minute soak`;
  if (!soak) return unmeasured(id, target, 'no soak in this run');
  const measured =
    `${soak.minutes} min, ${soak.callsCompleted} calls, idle heap ${soak.rounds[0]?.heapUsedMb} → ` +
    `${soak.rounds.at(-1)?.heapUsedMb} MB, slope ${soak.heapSlopeMbPerMin ?? '-'} MB/min`;
  if (soak.minutes < SOAK_MINUTES)
    return { id, target, measured: `${measured} (too short to judge)`, met: null };
  return { id, target, measured, met: soak.flat };
}

function bundleTargets(bundles: readonly BundleResult[]): TargetVerdict[] {
  const tools = bundles.filter((b) => b.function !== DIALER_FUNCTION);
  const sizeTarget = `tool bundles ≤ 500 KB each (${MAX_TOOL_BUNDLE_BYTES.toLocaleString('en-US')} bytes)`;
  const loadTarget =
    'tool bundles load in ≤ 100 ms each (median cold import(), on the slowest core where pinned)';
  if (tools.length === 0)
    return [
      unmeasured('bundle-size', sizeTarget, 'bundles not timed in this run'),
      unmeasured('bundle-load', loadTarget, 'bundles not timed in this run'),
    ];
  const sizes = [...new Set(tools.map((b) => b.bytes))];
  const loads = tools.map((b) => b.loadMs);
  const slowest = tools.reduce((a, b) => (b.loadMs > a.loadMs ? b : a));
  return [
    {
      id: 'bundle-size',
      target: sizeTarget,
      measured: `${tools.length} tools: ${sizes.map((b) => `${b.toLocaleString('en-US')} B`).join(', ')}`,
      met: sizes.every((b) => b <= MAX_TOOL_BUNDLE_BYTES),
    },
    {
      id: 'bundle-load',
      target: loadTarget,
      measured:
        `${Math.min(...loads)}–${Math.max(...loads)} ms (slowest ${slowest.function})` +
        (slowest.loadByCore
          ? `; by core ${slowest.loadByCore.map((c) => `${c.core}: ${c.medianMs}`).join(', ')} ms`
          : ''),
      met: loads.every((t) => t <= 100),
    },
  ];
}

export function judgeTargets(run: JudgedRun): TargetVerdict[] {
  const mb = (n: number) => `${n} MB`;
  const perCore = (
    id: string,
    target: string,
    judge: (l: LevelSummary) => { measured: string; met: boolean },
  ) => atLevel(run, CALLS_PER_CORE, id, target, judge);
  return [
    overheadAt(run, 1, 3),
    overheadAt(run, 100, 10),
    everyLevel(
      run,
      'first-audio',
      'first audio ≤ 20 ms after the first complete sentence (per turn, p99)',
      // Results files from before 2026-12-05 do not have this figure.
      (l) => l.firstAudioAfterSentenceMs?.p99 ?? null,
      20,
    ),
    everyLevel(
      run,
      'interruption',
      'interruption ≤ 20 ms p99 after the STT event (STT event → clear)',
      (l) => l.interruptionSttEventToClearMs.p99,
      20,
    ),
    perCore(
      'no-late-frames',
      `${CALLS_PER_CORE} concurrent calls on the server's one core, no late frames`,
      (l) => ({
        measured: `${l.completed}/${l.calls} calls completed, ${l.lateInboundFrames} late frames (${(l.lateInboundFrameRatio * 100).toFixed(2)} %)`,
        met: l.completed === l.calls && l.lateInboundFrames === 0,
      }),
    ),
    perCore('cpu-per-call', `CPU ≤ 0.5 % of a core per call at ${CALLS_PER_CORE} calls`, (l) => ({
      measured: `${l.server.cpuPctOfCorePerCall ?? '-'} % (peak ${l.server.cpuPctOfCorePeak ?? '-'} % of a core)`,
      met: l.server.cpuPctOfCorePerCall !== null && l.server.cpuPctOfCorePerCall <= 0.5,
    })),
    everyLevel(run, 'rss-per-call', 'RSS ≤ 2 MB per call', (l) => l.server.rssMbPerCall, 2, mb),
    soakTarget(run.soak),
    ...bundleTargets(run.bundles),
  ];
}

export function formatTargets(verdicts: readonly TargetVerdict[]): string {
  const label = (v: TargetVerdict) => (v.met === null ? 'not measured' : v.met ? 'met' : 'NOT MET');
  const width = Math.max(...verdicts.map((v) => v.target.length));
  return verdicts.map((v) => `  ${label(v).padEnd(12)} ${v.target.padEnd(width)}  ${v.measured}`).join('\n');
}

/** Several results files as one run: each level, the soak and the bundles from the first file that has them. */
export function mergeRuns(runs: readonly Partial<JudgedRun>[]): JudgedRun {
  const levels: LevelSummary[] = [];
  for (const run of runs)
    for (const level of run.levels ?? [])
      if (!levels.some((l) => l.calls === level.calls)) levels.push(level);
  const soak = runs.find((run) => run.soak)?.soak;
  return {
    levels,
    bundles: runs.find((run) => (run.bundles?.length ?? 0) > 0)?.bundles ?? [],
    ...(soak ? { soak } : {}),
  };
}

const isMain = process.argv[1] && join(process.argv[1]) === join(import.meta.dirname, 'targets.ts');
if (isMain) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: npx tsx bench/targets.ts <results.json>...');
    process.exit(2);
  }
  const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Partial<JudgedRun>);
  console.log(
    `issue 8 targets, judged on ${files.join(' + ')}:\n${formatTargets(judgeTargets(mergeRuns(runs)))}`,
  );
}
