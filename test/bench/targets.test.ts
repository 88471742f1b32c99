import { describe, expect, it } from 'vitest';
import { distribution } from '../../bench/analysis';
import type { BundleResult } from '../../bench/bundles';
import type { LevelSummary } from '../../bench/report';
import { summarizeSoak } from '../../bench/soak';
import { formatTargets, judgeTargets, mergeRuns, type TargetVerdict } from '../../bench/targets';
import { type ToolName, toolLambdaEntry } from '../../runtime/tools/catalog';

const d = (...values: number[]) => distribution(values);

/** A level where every target holds, with `changes` applied. */
function level(calls: number, changes: Partial<LevelSummary> = {}): LevelSummary {
  const hop = d(1);
  return {
    calls,
    loadAverageAtStart: [0, 0, 0],
    completed: calls,
    passed: true,
    failReasons: [],
    failures: [],
    durationS: 10,
    voiceToVoiceMs: d(950),
    overheadMs: d(2, 2.5),
    overheadToolTurnsMs: d(2.5),
    overheadOtherTurnsMs: d(2),
    overheadHopsMs: { endpoint: hop, toModel: hop, toolRound: hop, toTts: hop, toTwilio: hop },
    firstAudioAfterSentenceMs: d(3),
    providerMs: { stt: d(300), llm: d(500), tts: d(150) },
    interruptionSpeechToClearMs: d(80),
    interruptionSttEventToClearMs: d(2),
    inboundForwardMs: d(1, 2),
    lateInboundFrames: 0,
    lateInboundFrameRatio: 0,
    server: {
      cpuPctOfCorePerCall: 0.4,
      cpuPctOfCorePeak: 80,
      rssMbPerCall: 0.5,
      rssPeakMb: 200,
      peakActiveCalls: calls,
      eventLoopDelayP99Ms: 2,
      eventLoopDelayMaxMs: 5,
    },
    fakes: { twilioPacingLagMs: d(0), eventLoopDelayP99Ms: 1, longestStallMs: 0 },
    turns: [],
    interruptions: [],
    ...changes,
  };
}

const bundle = (fn: string, bytes: number, loadMs: number): BundleResult => ({
  function: fn,
  entry: fn === 'reminder_dialer' ? 'runtime/reminders/dialer-lambda.ts' : toolLambdaEntry(fn as ToolName),
  bytes,
  loadMs,
  loadRunsMs: [loadMs],
});

const flatSoak = (minutes: number) =>
  summarizeSoak(
    minutes,
    50,
    Array.from({ length: 6 }, (_, i) => ({
      round: i + 1,
      atS: (i + 1) * minutes * 10,
      calls: 50,
      completed: 50,
      heapUsedMb: 76,
      rssMb: 250,
      externalMb: 4,
      overheadP99Ms: 20,
      lateInboundFrames: 0,
      cpuPctOfCorePerCall: 0.5,
    })),
  );

const LEVELS = [1, 10, 50, 100, 200];
const goodRun = () => ({
  levels: LEVELS.map((calls) => level(calls)),
  bundles: [
    bundle('lookup_customer', 476_590, 80),
    bundle('book_appointment', 476_590, 95),
    bundle('reminder_dialer', 818_000, 180),
  ],
  soak: flatSoak(10),
});

const byId = (verdicts: TargetVerdict[]) => Object.fromEntries(verdicts.map((v) => [v.id, v]));

describe('issue 8 targets judged on a run', () => {
  it('judges every target, and a run that keeps them all meets them all', () => {
    const verdicts = judgeTargets(goodRun());
    expect(verdicts.map((v) => v.id)).toEqual([
      'overhead-1',
      'overhead-100',
      'first-audio',
      'interruption',
      'no-late-frames',
      'cpu-per-call',
      'rss-per-call',
      'soak',
      'bundle-size',
      'bundle-load',
    ]);
    expect(verdicts.filter((v) => v.met !== true)).toEqual([]);
  });

  it('holds the overhead to 3 ms at 1 call and 10 ms at 100, on the p99 of all turns', () => {
    const run = goodRun();
    run.levels[0] = level(1, {
      overheadMs: d(2, 3.2),
      overheadToolTurnsMs: d(3.2),
      overheadOtherTurnsMs: d(2),
    });
    run.levels[3] = level(100, { overheadMs: d(5, 10) });
    const verdicts = byId(judgeTargets(run));
    expect(verdicts['overhead-1']).toMatchObject({
      met: false,
      measured: expect.stringContaining('p99 3.2 ms (n 2)'),
    });
    expect(verdicts['overhead-1']!.measured).toContain('tool turns 3.2 ms, others 2 ms');
    expect(verdicts['overhead-100']!.met).toBe(true);
  });

  it('says up to which level a per-level target held', () => {
    const run = goodRun();
    run.levels[2] = level(50, { firstAudioAfterSentenceMs: d(3, 48) });
    run.levels[4] = level(200, { interruptionSttEventToClearMs: d(78) });
    const verdicts = byId(judgeTargets(run));
    expect(verdicts['first-audio']).toMatchObject({ met: false });
    expect(verdicts['first-audio']!.measured).toMatch(
      /^1: 3 ms · 10: 3 ms · 50: 48 ms · .*; held up to 10 calls$/,
    );
    expect(verdicts.interruption!.measured).toMatch(/200: 78 ms; held up to 100 calls$/);
  });

  it('counts a single late frame at 200 calls, and an incomplete call, as a miss', () => {
    const late = goodRun();
    late.levels[4] = level(200, { lateInboundFrames: 1, lateInboundFrameRatio: 0.00001 });
    expect(byId(judgeTargets(late))['no-late-frames']).toMatchObject({
      met: false,
      measured: '200/200 calls completed, 1 late frames (0.00 %)',
    });
    const dropped = goodRun();
    dropped.levels[4] = level(200, { completed: 199 });
    expect(byId(judgeTargets(dropped))['no-late-frames']!.met).toBe(false);
  });

  it('judges CPU per call at 200 calls only', () => {
    const run = goodRun();
    run.levels[3] = level(100, { server: { ...level(100).server, cpuPctOfCorePerCall: 0.6 } });
    expect(byId(judgeTargets(run))['cpu-per-call']!.met).toBe(true);
    run.levels[4] = level(200, { server: { ...level(200).server, cpuPctOfCorePerCall: 0.51 } });
    expect(byId(judgeTargets(run))['cpu-per-call']).toMatchObject({
      met: false,
      measured: '0.51 % (peak 80 % of a core)',
    });
  });

  it('reports what a run did not measure as not measured, never as met', () => {
    const verdicts = byId(judgeTargets({ levels: [level(1), level(10)], bundles: [] }));
    for (const id of ['overhead-100', 'no-late-frames', 'cpu-per-call', 'soak', 'bundle-size', 'bundle-load'])
      expect(verdicts[id], id).toMatchObject({ met: null });
    expect(verdicts['overhead-100']!.measured).toBe('no 100-call level in this run');
    expect(verdicts['overhead-1']!.met).toBe(true);
    const short = byId(judgeTargets({ ...goodRun(), soak: flatSoak(0.5) }));
    expect(short.soak).toMatchObject({
      met: null,
      measured: expect.stringContaining('too short to judge'),
    });
  });

  it('holds tool bundles, not the dialer, to 500,000 bytes and 100 ms', () => {
    const run = goodRun();
    expect(byId(judgeTargets(run))['bundle-load']!.measured).toBe('80–95 ms (slowest book_appointment)');
    run.bundles = [bundle('lookup_customer', 500_001, 101), bundle('reminder_dialer', 818_000, 180)];
    const verdicts = byId(judgeTargets(run));
    expect(verdicts['bundle-size']).toMatchObject({ met: false, measured: '1 tools: 500,001 B' });
    expect(verdicts['bundle-load']!.met).toBe(false);
  });

  it('names the per-core medians of the slowest tool when its runs were pinned to each core', () => {
    const run = goodRun();
    run.bundles[1] = {
      ...bundle('book_appointment', 476_590, 140.2),
      loadByCore: [
        { core: 0, medianMs: 140.2, runsMs: [140.2] },
        { core: 1, medianMs: 96.5, runsMs: [96.5] },
      ],
    };
    expect(byId(judgeTargets(run))['bundle-load']).toMatchObject({
      met: false,
      measured: '80–140.2 ms (slowest book_appointment); by core 0: 140.2, 1: 96.5 ms',
    });
  });

  it('judges several results files as one run, each part from the first file that has it', () => {
    const levels = { levels: [level(1, { overheadMs: d(9) }), level(10)], bundles: [] };
    const soak = { levels: [level(1)], bundles: goodRun().bundles, soak: flatSoak(10) };
    const merged = mergeRuns([levels, soak]);
    expect(merged.levels.map((l) => l.calls)).toEqual([1, 10]);
    expect(merged.levels[0]!.overheadMs.p99).toBe(9);
    expect(merged.soak).toBe(soak.soak);
    expect(merged.bundles).toBe(soak.bundles);
  });

  it('prints one line per target with its verdict', () => {
    const lines = formatTargets(judgeTargets({ levels: [level(1)], bundles: [] })).split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^ {2}met {10}our overhead per turn p99 ≤ 3 ms at 1 call +p99 2.5 ms/);
    expect(lines[1]).toMatch(/^ {2}not measured our overhead per turn p99 ≤ 10 ms at 100 calls/);
  });
});
