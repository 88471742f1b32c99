/**
 * `npm run bench [-- --calls N --turns T --profile realistic|zero]`: builds the server, starts
 * DynamoDB Local, the protocol fakes (own process) and the built server (own process), runs each
 * concurrency level, prints a table and writes bench/results/<timestamp>.json. See README
 * "Benchmark" for what each number means. Every child process is stopped on exit, error or ^C.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo } from '../dev/dynamodb-local';
import { REPO_ROOT } from '../lib/paths';
import { createTables, localTableNames } from '../runtime/data/create-tables';
import type { ServerMetrics } from '../runtime/server/metrics-route';
import { type BundleResult, measureBundles } from './bundles';
import { type DynamoWarmup, formatDynamoWarmup, warmDynamoLocal } from './dynamo-warmup';
import { FakesProcess } from './fakes-handle';
import { describeMachine, formatCoreSpeeds, type MachineInfo, measureCoreSpeeds } from './host';
import { formatLateFrameBursts } from './late-frames';
import { type FakesLevelResult, type FakesReady, PROFILES, type ProfileName } from './protocol';
import {
  formatBundles,
  formatHops,
  formatTable,
  type LevelLimits,
  type LevelSummary,
  summarizeLevel,
} from './report';
import { SERVER_ENTRY, type ServerHandle, startServer } from './server-process';
import { formatSoak, runSoak, type SoakSummary } from './soak';
import { formatTargets, judgeTargets, type TargetVerdict } from './targets';

export interface BenchOptions {
  levels: number[];
  turns: number;
  profile: ProfileName;
  build: boolean;
  /**
   * DynamoDB Local's JIT warmed (bench/dynamo-warmup.ts), then one unreported 10-call level, so
   * JIT and lazy start-up work are not charged to level 1.
   */
  warmup: boolean;
  /** Reuse a running DynamoDB Local (the test suite's) instead of starting one. */
  dynamoEndpoint?: string;
  cpuProfDir?: string;
  bundleRuns: number;
  /** After the levels: rounds of `soakCalls` calls for this many minutes, watching the idle heap. */
  soakMinutes?: number;
  soakCalls: number;
  /** Run the remaining levels even after one failed (to see how it degrades). */
  keepGoing?: boolean;
  /** Time only these Lambda functions (default: every tool and the dialer). */
  bundleOnly?: string[];
  outFile?: string;
  limits: LevelLimits;
  /** Progress and table output; the smoke test passes a no-op. */
  log: (line: string) => void;
  progress: (line: string) => void;
}

export interface BenchResults {
  startedAt: string;
  machine: MachineInfo;
  args: Omit<BenchOptions, 'log' | 'progress'>;
  profile: (typeof PROFILES)[ProfileName];
  /** Absent with --no-warmup (the smoke test). */
  dynamoWarmup?: DynamoWarmup;
  bundles: BundleResult[];
  /** Timed between the bundles (bench/bundles.ts REFERENCE_ENTRY); absent when none were timed. */
  bundleReference?: BundleResult;
  levels: LevelSummary[];
  soak?: SoakSummary;
  /** Issue 8's targets judged on this run (bench/targets.ts). */
  targets: TargetVerdict[];
}

const BENCH_DIR = join(REPO_ROOT, 'bench');
const WARMUP_CALLS = 10;
const DEFAULT_LEVELS = '1,10,50,100,200';
const API_KEYS = { openai: 'sk-bench', deepgram: 'dg-bench' };
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stopping twice must be harmless: the normal path and the `finally` both stop everything. */
function once(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= stop();
    return stopping;
  };
}

async function runOneLevel(
  fakes: FakesProcess,
  server: ServerHandle,
  calls: number,
  options: BenchOptions,
  /** Time each core first (~2 s): for reported levels, not for warm-up or soak rounds. */
  probeHost = false,
): Promise<LevelSummary> {
  const coreSpeeds = probeHost ? await measureCoreSpeeds() : [];
  if (coreSpeeds.length > 0) options.log(`before ${calls} calls: ${formatCoreSpeeds(coreSpeeds)}`);
  const load = loadavg().map((n) => Math.round(n * 100) / 100);
  await server.metrics(true);
  const samples: ServerMetrics[] = [await server.metrics()];
  const started = Date.now();
  let progress = { done: 0, failed: 0, active: 0 };
  const show = () => {
    const last = samples.at(-1)!;
    options.progress(
      `[${calls} calls] ${progress.done} done, ${progress.failed} failed, ${progress.active} in progress · ` +
        `server: ${last.activeCalls} calls, rss ${(last.memoryBytes.rss / 2 ** 20).toFixed(0)} MB · ` +
        `${Math.round((Date.now() - started) / 1000)} s`,
    );
  };
  fakes.onProgress = (message) => {
    progress = message;
    show();
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await sleep(1000);
      if (!polling) break;
      samples.push(await server.metrics());
      show();
    }
  })();
  let result: FakesLevelResult;
  try {
    const reply = await fakes.request(
      {
        type: 'run-level',
        calls,
        turns: options.turns,
        serverBaseUrl: server.baseUrl,
        publicBaseUrl: 'https://voice.bench.test',
        lateFrameMs: options.limits.lateFrameMs,
      },
      'level-result',
    );
    result = reply.result;
  } finally {
    polling = false;
    await poller.catch(() => undefined);
  }
  samples.push(await server.metrics());
  // The next level starts with no call left over (records saved, sockets closed).
  for (let i = 0; i < 300 && (await server.metrics()).activeCalls > 0; i++) await sleep(100);
  return summarizeLevel(result, samples, options.limits, load, coreSpeeds);
}

export async function runBench(options: BenchOptions): Promise<{ file: string; results: BenchResults }> {
  const stops: (() => Promise<void>)[] = [];
  const kills: (() => void)[] = [];
  const onExit = () => {
    for (const kill of kills) kill();
  };
  const onSignal = () => {
    void Promise.allSettled(stops.map((stop) => stop())).then(() => process.exit(130));
  };
  process.on('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const startedAt = new Date().toISOString();
    if (options.build) {
      options.log('building the server (scripts/build-server.mjs)…');
      await run(process.execPath, ['scripts/build-server.mjs'], { cwd: REPO_ROOT });
    } else if (!existsSync(SERVER_ENTRY)) {
      throw new Error(`${SERVER_ENTRY} does not exist: run without --no-build`);
    }
    // Before anything else runs, so the loops have the cores to themselves.
    const coreSpeeds = await measureCoreSpeeds();
    options.log(formatCoreSpeeds(coreSpeeds));

    let stopDynamoNow: () => Promise<void> = async () => {};
    let endpoint = options.dynamoEndpoint;
    if (!endpoint) {
      options.log('starting DynamoDB Local…');
      const dynamo = await startLocalDynamo();
      const stopDynamo = once(dynamo.stop);
      stops.push(stopDynamo);
      // stop() sends SIGTERM synchronously, which is all an exit handler can do.
      kills.push(() => void stopDynamo());
      stopDynamoNow = stopDynamo;
      endpoint = dynamo.endpoint;
    }
    const tables = localTableNames(`bench-${Date.now().toString(36)}`);
    const region = 'us-east-1';
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    await createTables(new DynamoDBClient({ endpoint, region, credentials }), tables);
    let dynamoWarmup: DynamoWarmup | undefined;
    if (options.warmup) {
      options.progress('warming DynamoDB Local…');
      dynamoWarmup = await warmDynamoLocal({ endpoint, region, credentials }, tables);
      options.progress('');
      options.log(formatDynamoWarmup(dynamoWarmup));
    }

    const fakes = new FakesProcess(options.cpuProfDir);
    const stopFakes = once(() => fakes.stop());
    stops.push(stopFakes);
    kills.push(() => fakes.kill());
    const ready: FakesReady = await fakes.request(
      { type: 'start', profile: options.profile, apiKeys: API_KEYS },
      'ready',
    );

    if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
    const server = await startServer({
      fakes: ready,
      apiKeys: API_KEYS,
      tables,
      dynamoEndpoint: endpoint,
      maxCalls: Math.max(...options.levels, options.soakMinutes ? options.soakCalls : 1),
      ...(options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {}),
    });
    const stopServer = once(() => server.stop());
    stops.unshift(stopServer);
    kills.unshift(() => server.kill());
    options.log(`server pid ${server.pid} on ${server.baseUrl}; profile ${options.profile}`);

    if (options.warmup) {
      // Also warms DynamoDB Local, whose JIT otherwise competes with the first levels for the cores.
      const warm = await runOneLevel(fakes, server, WARMUP_CALLS, { ...options, turns: 3 });
      options.progress('');
      options.log(`warm-up: ${warm.completed}/${WARMUP_CALLS} calls completed (not reported)`);
    }
    const levels: LevelSummary[] = [];
    for (const calls of options.levels) {
      const summary = await runOneLevel(fakes, server, calls, options, true);
      levels.push(summary);
      options.progress('');
      options.log(formatTable(levels));
      options.log(`overhead by hop, ms (see OverheadHops in bench/protocol.ts):\n${formatHops(levels)}`);
      for (const line of formatLateFrameBursts([summary])) options.log(`late inbound frames, ${line}`);
      if (!summary.passed && !options.keepGoing) {
        options.log(`level ${calls} failed (${summary.failReasons.join('; ')}): stopping`);
        for (const failure of summary.failures.slice(0, 5)) options.log(`  ${failure}`);
        break;
      }
    }
    let soak: SoakSummary | undefined;
    if (options.soakMinutes) {
      soak = await runSoak(options.soakMinutes, options.soakCalls, {
        runRound: (calls) => runOneLevel(fakes, server, calls, options),
        idleMetrics: () => server.metrics(false, true),
        progress: options.progress,
      });
      options.progress('');
      options.log(formatSoak(soak));
    }
    // Stopped before the bundles are timed, so cold starts do not compete with them for the cores.
    await stopServer();
    await stopFakes();
    await stopDynamoNow();

    const timings =
      options.bundleRuns > 0 ? await measureBundles(options.bundleRuns, options.bundleOnly) : undefined;
    const bundles = timings?.functions ?? [];
    if (timings)
      options.log(
        `tool Lambda bundles (size, module load):\n${formatBundles(timings.functions, timings.reference)}`,
      );

    const targets = judgeTargets({ levels, bundles, ...(soak ? { soak } : {}) });
    options.log(`issue 8 targets:\n${formatTargets(targets)}`);

    const { log: _log, progress: _progress, ...args } = options;
    const results: BenchResults = {
      startedAt,
      machine: describeMachine(coreSpeeds),
      args,
      profile: PROFILES[options.profile],
      ...(dynamoWarmup ? { dynamoWarmup } : {}),
      bundles,
      ...(timings ? { bundleReference: timings.reference } : {}),
      levels,
      ...(soak ? { soak } : {}),
      targets,
    };
    const file =
      options.outFile ??
      join(BENCH_DIR, 'results', `${startedAt.replace(/[:.]/g, '-').replace(/Z$/, '')}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    options.log(`results: ${file}`);
    return { file, results };
  } finally {
    await Promise.allSettled(stops.map((stop) => stop()));
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseCli(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: 'string' },
      levels: { type: 'string' },
      soak: { type: 'string' },
      'soak-calls': { type: 'string', default: '50' },
      turns: { type: 'string', default: '3' },
      profile: { type: 'string', default: 'realistic' },
      'no-build': { type: 'boolean', default: false },
      'no-warmup': { type: 'boolean', default: false },
      'keep-going': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'bundle-runs': { type: 'string', default: '3' },
      out: { type: 'string' },
      'late-frame-ms': { type: 'string', default: '40' },
      'max-late-ratio': { type: 'string', default: '0.01' },
      'max-overhead-p99': { type: 'string', default: '250' },
    },
  });
  const int = (name: string, text: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer ${min}…${max}`);
    return n;
  };
  if (!(values.profile! in PROFILES))
    throw new Error(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  // A soak alone runs no levels unless they are asked for too.
  const levelList = values.calls ?? values.levels ?? (values.soak ? '' : DEFAULT_LEVELS);
  const levels = levelList ? levelList.split(',').map((n) => int('calls', n.trim(), 1, 500)) : [];
  const soakMinutes = values.soak === undefined ? undefined : Number(values.soak);
  if (soakMinutes !== undefined && !(soakMinutes > 0 && soakMinutes <= 240))
    throw new Error('--soak must be a number of minutes, more than 0 and at most 240');
  const isTty = process.stderr.isTTY;
  let lastProgress = 0;
  return {
    levels,
    turns: int('turns', values.turns!, 1, 50),
    profile: values.profile as ProfileName,
    build: !values['no-build'],
    warmup: !values['no-warmup'],
    keepGoing: values['keep-going'] ?? false,
    ...(soakMinutes ? { soakMinutes } : {}),
    soakCalls: int('soak-calls', values['soak-calls']!, 1, 500),
    ...(values['cpu-prof'] ? { cpuProfDir: join(BENCH_DIR, 'results', 'profiles') } : {}),
    bundleRuns: int('bundle-runs', values['bundle-runs']!, 0, 20),
    ...(values.out ? { outFile: values.out } : {}),
    limits: {
      lateFrameMs: Number(values['late-frame-ms']),
      maxLateFrameRatio: Number(values['max-late-ratio']),
      maxOverheadP99Ms: Number(values['max-overhead-p99']),
    },
    log: (line) => console.log(line),
    progress: (line) => {
      if (isTty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (line && Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        process.stderr.write(`${line}\n`);
      }
    },
  };
}

const isMain = process.argv[1] && join(process.argv[1]) === join(BENCH_DIR, 'run.ts');
if (isMain) {
  runBench(parseCli(process.argv.slice(2))).then(
    // A failing level is a result (where the server saturates), not an error of the benchmark.
    () => process.exit(0),
    (error: Error) => {
      console.error(error.stack ?? error.message);
      process.exit(1);
    },
  );
}
