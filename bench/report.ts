/**
 * From one level's fake-side samples and the server's own metrics to the numbers the benchmark
 * reports, the pass/fail verdict, and the printed table.
 */
import type { LatencySummary } from '../runtime/observability/latency-histogram';
import type { ServerMetrics } from '../runtime/server/metrics-route';
import { distribution } from './analysis';
import type { BundleResult } from './bundles';
import type { CoreSpeed } from './host';
import type { LateFrameBurst } from './late-frames';
import type { Distribution, FakesLevelResult, OverheadHops } from './protocol';

export interface LevelLimits {
  /** Inbound frames slower than this to reach Deepgram are late. */
  lateFrameMs: number;
  /** More late inbound frames than this fraction fails the level. */
  maxLateFrameRatio: number;
  /** Overhead p99 above this fails the level: the server is saturated. */
  maxOverheadP99Ms: number;
}

export interface LevelSummary {
  calls: number;
  /** os.loadavg() when the level started: other work on the machine skews every number here. */
  loadAverageAtStart: number[];
  /**
   * Each core's 10⁸-iteration loop right before the level (bench/host.ts): these hosts change speed
   * within a run, so a level is read against the host it ran on. Absent for soak rounds.
   */
  coreSpeedsAtStart?: CoreSpeed[];
  completed: number;
  passed: boolean;
  failReasons: string[];
  failures: string[];
  durationS: number;
  voiceToVoiceMs: Distribution;
  overheadMs: Distribution;
  overheadToolTurnsMs: Distribution;
  overheadOtherTurnsMs: Distribution;
  /** The overhead hop by hop (see OverheadHops): where to look when it grows. */
  overheadHopsMs: Record<keyof OverheadHops, Distribution>;
  /**
   * Per turn, to TTS + to Twilio: the first complete sentence written by the model → its first
   * audio frame at Twilio, less the TTS provider's own first-byte time. Issue 8's "first audio
   * within 20 ms of the first sentence", measured turn by turn (a sum of the two hops' p99s would
   * add two different turns' worst cases).
   */
  firstAudioAfterSentenceMs: Distribution;
  providerMs: { stt: Distribution; llm: Distribution; tts: Distribution };
  interruptionSpeechToClearMs: Distribution;
  interruptionSttEventToClearMs: Distribution;
  inboundForwardMs: Distribution;
  lateInboundFrames: number;
  lateInboundFrameRatio: number;
  /** Absent in results written before 2026-12-07's run 14. */
  lateFrameBursts?: LateFrameBurst[];
  server: {
    cpuPctOfCorePerCall: number | null;
    cpuPctOfCorePeak: number | null;
    rssMbPerCall: number | null;
    rssPeakMb: number;
    peakActiveCalls: number;
    eventLoopDelayP99Ms: number;
    eventLoopDelayMaxMs: number;
    /**
     * The level's tool calls by tool as the server timed them (invoke → result; in-process here, on
     * DynamoDB Local): `get_available_slots` is the part of a tool round that is the tool, and
     * `lookup_customer` the caller's lookup as each call starts. Absent before 2026-12-07's run 18.
     */
    toolCallMs?: Record<string, LatencySummary>;
  };
  fakes: { twilioPacingLagMs: Distribution; eventLoopDelayP99Ms: number; longestStallMs: number };
  turns: FakesLevelResult['turns'];
  interruptions: FakesLevelResult['interruptions'];
}

const cpuMicros = (m: ServerMetrics) => m.cpuUsageMicros.user + m.cpuUsageMicros.system;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * CPU per call = server CPU time over the level ÷ call-time (∫ active calls dt, trapezoids between
 * the 1 s samples), so ramp-up, hang-ups and call setup are all charged to the calls.
 */
function serverLoad(samples: ServerMetrics[]) {
  let cpu = 0;
  let callMs = 0;
  let peakCpu = 0;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    const dt = b.uptimeMs - a.uptimeMs;
    if (dt <= 0) continue;
    const used = (cpuMicros(b) - cpuMicros(a)) / 1000;
    cpu += used;
    callMs += ((a.activeCalls + b.activeCalls) / 2) * dt;
    peakCpu = Math.max(peakCpu, used / dt);
  }
  const first = samples[0]!;
  const peakActive = Math.max(...samples.map((s) => s.activeCalls));
  const rssPeak = Math.max(...samples.map((s) => s.memoryBytes.rss));
  return {
    cpuPctOfCorePerCall: callMs > 0 ? round((cpu / callMs) * 100, 3) : null,
    cpuPctOfCorePeak: samples.length > 1 ? round(peakCpu * 100, 1) : null,
    rssMbPerCall: peakActive > 0 ? round((rssPeak - first.memoryBytes.rss) / 2 ** 20 / peakActive, 3) : null,
    rssPeakMb: round(rssPeak / 2 ** 20, 1),
    peakActiveCalls: peakActive,
  };
}

/** The tool of the benchmark's tool turns (bench/script.ts). */
const BENCH_TOOL = 'get_available_slots';

const HOPS: (keyof OverheadHops)[] = ['endpoint', 'toModel', 'toolRound', 'toTts', 'toTwilio'];

function hopDistributions(turns: FakesLevelResult['turns']): Record<keyof OverheadHops, Distribution> {
  const known = turns.flatMap((t) => (t.hops ? [t.hops] : []));
  const of = (hop: keyof OverheadHops) =>
    distribution(known.flatMap((h) => (h[hop] === null ? [] : [h[hop] as number])));
  return Object.fromEntries(HOPS.map((hop) => [hop, of(hop)])) as Record<keyof OverheadHops, Distribution>;
}

export function summarizeLevel(
  fakes: FakesLevelResult,
  samples: ServerMetrics[],
  limits: LevelLimits,
  loadAverageAtStart: number[],
  coreSpeedsAtStart?: CoreSpeed[],
): LevelSummary {
  const last = samples.at(-1)!;
  const overheads = (filter: (t: FakesLevelResult['turns'][number]) => boolean) =>
    distribution(fakes.turns.filter((t) => filter(t) && t.overheadMs !== null).map((t) => t.overheadMs!));
  const isToolTurn = (t: FakesLevelResult['turns'][number]) =>
    t.kind === 'tool' && t.utterance === 'question';
  const overheadMs = overheads(() => true);
  const frames = fakes.inboundForwardMs.n;
  const lateRatio = frames > 0 ? fakes.lateInboundFrames / frames : 0;
  const failReasons: string[] = [];
  if (fakes.completed < fakes.calls)
    failReasons.push(`${fakes.calls - fakes.completed} call(s) did not complete`);
  if (fakes.failures.length > 0 && fakes.completed === fakes.calls) failReasons.push('tool failures');
  if (lateRatio > limits.maxLateFrameRatio) {
    failReasons.push(`${(lateRatio * 100).toFixed(2)} % of inbound frames took > ${limits.lateFrameMs} ms`);
  }
  if ((overheadMs.p99 ?? 0) > limits.maxOverheadP99Ms) {
    failReasons.push(`overhead p99 ${overheadMs.p99} ms > ${limits.maxOverheadP99Ms} ms`);
  }
  return {
    calls: fakes.calls,
    loadAverageAtStart,
    ...(coreSpeedsAtStart && coreSpeedsAtStart.length > 0 ? { coreSpeedsAtStart } : {}),
    completed: fakes.completed,
    passed: failReasons.length === 0,
    failReasons,
    failures: fakes.failures.slice(0, 20),
    durationS: round(fakes.durationMs / 1000, 1),
    voiceToVoiceMs: distribution(fakes.turns.map((t) => t.voiceToVoiceMs)),
    overheadMs,
    overheadToolTurnsMs: overheads(isToolTurn),
    overheadOtherTurnsMs: overheads((t) => !isToolTurn(t)),
    overheadHopsMs: hopDistributions(fakes.turns),
    firstAudioAfterSentenceMs: distribution(
      fakes.turns.flatMap((t) => (t.hops ? [t.hops.toTts + t.hops.toTwilio] : [])),
    ),
    providerMs: {
      stt: distribution(fakes.turns.map((t) => t.sttMs)),
      llm: distribution(fakes.turns.map((t) => t.llmMs)),
      tts: distribution(fakes.turns.map((t) => t.ttsMs)),
    },
    interruptionSpeechToClearMs: distribution(fakes.interruptions.map((i) => i.speechToClearMs)),
    interruptionSttEventToClearMs: distribution(
      fakes.interruptions.flatMap((i) => (i.sttEventToClearMs === null ? [] : [i.sttEventToClearMs])),
    ),
    inboundForwardMs: fakes.inboundForwardMs,
    lateInboundFrames: fakes.lateInboundFrames,
    lateInboundFrameRatio: round(lateRatio, 6),
    lateFrameBursts: fakes.lateFrameBursts,
    server: {
      ...serverLoad(samples),
      eventLoopDelayP99Ms: last.eventLoopDelayMs.p99,
      eventLoopDelayMaxMs: last.eventLoopDelayMs.max,
      toolCallMs: last.toolCallMs,
    },
    fakes: {
      twilioPacingLagMs: fakes.twilioPacingLagMs,
      eventLoopDelayP99Ms: fakes.fakesEventLoopDelayP99Ms,
      longestStallMs: fakes.fakesLongestStallMs,
    },
    turns: fakes.turns,
    interruptions: fakes.interruptions,
  };
}

const f = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined ? '-' : n.toFixed(digits);
const trio = (d: Distribution) => `${f(d.p50)}/${f(d.p95)}/${f(d.p99)}`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatTable(levels: LevelSummary[]): string {
  const header = [
    'calls',
    'ok',
    'v2v p50/95/99',
    'overhead p50/95/99',
    'tool ovh p50/99',
    'clear p99 (spch/stt)',
    'fwd p99',
    'late',
    'cpu%/call',
    'MB/call',
    'eld p99',
    'result',
  ];
  const rows = levels.map((l) => [
    String(l.calls),
    `${l.completed}`,
    trio(l.voiceToVoiceMs),
    trio(l.overheadMs),
    `${f(l.overheadToolTurnsMs.p50)}/${f(l.overheadToolTurnsMs.p99)}`,
    `${f(l.interruptionSpeechToClearMs.p99)}/${f(l.interruptionSttEventToClearMs.p99)}`,
    f(l.inboundForwardMs.p99, 2),
    String(l.lateInboundFrames),
    f(l.server.cpuPctOfCorePerCall, 3),
    f(l.server.rssMbPerCall, 2),
    f(l.server.eventLoopDelayP99Ms),
    l.passed ? 'pass' : `FAIL: ${l.failReasons.join('; ')}`,
  ]);
  return table(header, rows);
}

/** Overhead hop by hop, p50/p99 per level: which part of the server a slow turn spent its time in. */
export function formatHops(levels: LevelSummary[]): string {
  const header = [
    'calls',
    ...HOPS.map((hop) => `${hop} p50/99`),
    'first audio p50/99',
    'slots tool (server) p50/99',
  ];
  const pair = (d: { p50: number | null; p99: number | null } | undefined) =>
    d ? `${f(d.p50, 2)}/${f(d.p99, 2)}` : '-';
  const rows = levels.map((l) => [
    String(l.calls),
    ...HOPS.map((hop) => pair(l.overheadHopsMs[hop])),
    pair(l.firstAudioAfterSentenceMs),
    pair(l.server.toolCallMs?.[BENCH_TOOL]),
  ]);
  return table(header, rows);
}

export function formatBundles(bundles: BundleResult[], reference?: BundleResult): string {
  const line = (b: BundleResult, ratio: string) =>
    `  ${b.function.padEnd(26)} ${(b.bytes / 1024).toFixed(1).padStart(7)} KB  load ${f(b.loadMs)} ms` +
    ratio +
    (b.loadByCore ? `  (by core: ${b.loadByCore.map((c) => `${c.core}: ${f(c.medianMs)}`).join(', ')})` : '');
  const lines = bundles.map((b) =>
    line(b, b.timesReference === undefined ? '' : `  ×${b.timesReference.toFixed(2)} the reference`),
  );
  return [...lines, ...(reference ? [line(reference, '')] : [])].join('\n');
}
