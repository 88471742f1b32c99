/**
 * The Lambda bundles as `cdk synth` makes them (esbuild, ESM, with lib/lambda-bundling.ts's settings:
 * minified, node22, source maps without sources, nothing external, the same aliases), one per
 * function's entry (`toolLambdaEntry`), built into a temporary directory; then each function's
 * module-load time, i.e. a cold start's `import()` of the bundle, in a fresh Node process with that
 * function's environment, started the way the Lambda runtime starts (RUNTIME_LOADER).
 *
 * Beside them, a reference bundle that none of our code is in (REFERENCE_ENTRY), timed right after
 * each run of each function on the same core: these hosts change speed by tens of percent from one
 * minute to the next, and a bundle's load read against the reference's at the same minutes says
 * what the code costs apart from what the host did.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { LAMBDA_BUNDLING } from '../lib/lambda-bundling';
import { REPO_ROOT } from '../lib/paths';
import { localTableNames } from '../runtime/data/create-tables';
import { tableNamesToEnv } from '../runtime/data/table-definitions';
import {
  SHOP_CONFIG_ENV,
  TOOL_CATALOG,
  TOOL_NAME_ENV,
  TOOL_NAMES,
  toolLambdaEntry,
} from '../runtime/tools/catalog';
import { pinnableCores, pinned } from './host';

const run = promisify(execFile);

export interface BundleResult {
  function: string;
  entry: string;
  bytes: number;
  /**
   * ms from import() called to resolved: the median of the runs, or where the runs were pinned to
   * each core in turn, the slowest core's median (a Lambda may land on either).
   */
  loadMs: number;
  loadRunsMs: number[];
  /** Per core, when the runs could be pinned (bench/host.ts). */
  loadByCore?: { core: number; medianMs: number; runsMs: number[] }[];
  /**
   * loadMs ÷ the reference's, the reference timed right after each of this function's runs on the
   * same core (the slowest core's medians of both): what the bundle costs apart from the host.
   */
  timesReference?: number;
}

/**
 * The reference: the DynamoDB document client, which every tool bundles and builds at load, with
 * the same settings. It changes only with the lockfile, and its load is the same mixture as a
 * tool's (minified SDK code to compile and run, `node:https` to load), so the ratio to it moves
 * with our code, not with the host. (A bare import would be tree-shaken away: the SDK declares no
 * side effects.)
 */
export const REFERENCE_FUNCTION = 'reference: DynamoDB client';
const REFERENCE_ENTRY = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
export const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const commands = [GetCommand, PutCommand, QueryCommand, UpdateCommand];
`;

export interface BundleTimings {
  functions: BundleResult[];
  /** Every run of the reference, interleaved with every function's. */
  reference: BundleResult;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** What the stack gives the reminder tools (deploy-time references there), so their cold start builds the Scheduler client as it would in Lambda. */
const REMINDER_ENV = {
  REMINDER_SCHEDULE_GROUP: 'pitcrew-bench-reminders',
  REMINDER_TARGET_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:pitcrew-bench-dialer',
  REMINDER_ROLE_ARN: 'arn:aws:iam::123456789012:role/pitcrew-bench-scheduler',
  REMINDER_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:pitcrew-bench-reminders-dlq',
};

/**
 * What Node has done in a Lambda sandbox when the runtime imports the handler, and no more: the
 * runtime's bootstrap is itself an ES module, and its Runtime API client has already loaded
 * `node:http` and made a keep-alive Agent (aws-lambda-nodejs-runtime-interface-client,
 * src/index.mjs and RAPIDClient.js). Timed from a file like this one, the bundle's load excludes
 * both, as it does in Lambda; from `node -e`, as before 2026-12-06's run 10, it included the ESM
 * loader's start and `http`'s (~8 ms in an interleaved A/B, docs/benchmark.md "Lambda bundles").
 */
const RUNTIME_LOADER = `import { createRequire } from 'node:module';
const { Agent } = createRequire(import.meta.url)('node:http');
new Agent({ keepAlive: true, maxSockets: 1 });
const t = performance.now();
await import(process.argv[2]);
process.stdout.write('\\nLOAD_MS ' + (performance.now() - t));
`;

/** esbuild's options for a Lambda entry (absolute path) with the settings the stack deploys. */
export function lambdaBuildOptions(entryPath: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPath],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    external: [...LAMBDA_BUNDLING.externalModules],
    alias: Object.fromEntries(
      Object.entries(LAMBDA_BUNDLING.aliases).map(([from, to]) => [from, join(REPO_ROOT, to)]),
    ),
    logLevel: 'warning',
  };
}

async function bundle(entry: string, outfile: string): Promise<number> {
  await build(lambdaBuildOptions(join(REPO_ROOT, entry), outfile));
  return statSync(outfile).size;
}

async function bundleReference(outfile: string): Promise<number> {
  const { entryPoints: _entry, ...options } = lambdaBuildOptions(join(REPO_ROOT, 'reference.mjs'), outfile);
  await build({
    ...options,
    stdin: { contents: REFERENCE_ENTRY, resolveDir: REPO_ROOT, sourcefile: 'reference.mjs' },
  });
  return statSync(outfile).size;
}

async function loadTime(
  loader: string,
  file: string,
  env: Record<string, string>,
  core: number | undefined,
): Promise<number> {
  const [command, args] = pinned(core, process.execPath, [loader, file]);
  const { stdout } = await run(command, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  });
  const match = /LOAD_MS ([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`no load time from ${file}: ${stdout.slice(-300)}`);
  return Math.round(Number(match[1]) * 10) / 10;
}

/** `only`: time just these functions (the smoke test keeps to two); all when absent. */
export async function measureBundles(runs: number, only?: string[]): Promise<BundleTimings> {
  // Outside the repository, where no node_modules is in reach: a bundle that is not self-contained
  // fails to load here, as it would in Lambda.
  const out = mkdtempSync(join(tmpdir(), 'pitcrew-bench-bundles-'));
  try {
    const shop = readFileSync(join(REPO_ROOT, 'shops', 'example.json'), 'utf8');
    const common = {
      ...tableNamesToEnv(localTableNames('bench')),
      [SHOP_CONFIG_ENV]: JSON.stringify(JSON.parse(shop)),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Nothing is called at load time; should it be, it must not leave the machine.
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      VPIC_BASE_URL: 'http://127.0.0.1:9',
    };
    const loader = join(out, 'runtime-loader.mjs');
    writeFileSync(loader, RUNTIME_LOADER);
    const functions = [
      ...TOOL_NAMES.map((name) => ({
        name,
        entry: toolLambdaEntry(name),
        env: { [TOOL_NAME_ENV]: name, ...(TOOL_CATALOG[name].managesReminders ? REMINDER_ENV : {}) },
      })),
      {
        name: 'reminder_dialer',
        entry: 'runtime/reminders/dialer-lambda.ts',
        env: { PUBLIC_BASE_URL: 'https://voice.example.com', TWILIO_API_BASE_URL: 'http://127.0.0.1:9' },
      },
    ]
      .filter((fn) => !only || only.includes(fn.name))
      .map((fn) => ({ ...fn, file: join(out, fn.name, 'index.mjs') }));
    const referenceFile = join(out, 'reference', 'index.mjs');
    const [referenceBytes, ...sizes] = await Promise.all([
      bundleReference(referenceFile),
      ...functions.map((fn) => bundle(fn.entry, fn.file)),
    ]);
    const selected = functions.map((fn, i) => ({ ...fn, bytes: sizes[i]! }));
    const results: BundleResult[] = [];
    const cores = await pinnableCores();
    const coreKeys = cores.length > 0 ? cores : [undefined];
    const referenceRuns = new Map<number | undefined, number[]>(coreKeys.map((core) => [core, []]));
    // One at a time: parallel cold starts on two cores would measure contention, not load time.
    // Pinned runs alternate between the cores, so a drift in the host's speed touches each alike.
    // Each run of a function is followed by one of the reference on the same core, so the two are
    // read against the same minute of a host whose speed drifts.
    for (const fn of selected) {
      const byCore = new Map<number | undefined, number[]>(coreKeys.map((core) => [core, []]));
      const referenceByCore = new Map<number | undefined, number[]>(coreKeys.map((core) => [core, []]));
      for (let i = 0; i < runs; i++) {
        for (const core of coreKeys) {
          byCore.get(core)!.push(await loadTime(loader, fn.file, { ...common, ...fn.env }, core));
          const referenceRunMs = await loadTime(loader, referenceFile, common, core);
          referenceByCore.get(core)!.push(referenceRunMs);
          referenceRuns.get(core)!.push(referenceRunMs);
        }
      }
      const result = summarize(fn.name, fn.entry, fn.bytes, byCore);
      const referenceMs = summarize(REFERENCE_FUNCTION, 'reference.mjs', 0, referenceByCore).loadMs;
      results.push({ ...result, timesReference: Math.round((result.loadMs / referenceMs) * 100) / 100 });
    }
    return {
      functions: results,
      reference: summarize(REFERENCE_FUNCTION, 'reference.mjs', referenceBytes!, referenceRuns),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function summarize(
  name: string,
  entry: string,
  bytes: number,
  byCore: Map<number | undefined, number[]>,
): BundleResult {
  const perCore = [...byCore].map(([core, runsMs]) => ({ core, medianMs: median(runsMs), runsMs }));
  const pinnedRuns = perCore.every((c) => c.core !== undefined);
  return {
    function: name,
    entry,
    bytes,
    loadMs: Math.max(...perCore.map((c) => c.medianMs)),
    loadRunsMs: perCore.flatMap((c) => c.runsMs),
    ...(pinnedRuns ? { loadByCore: perCore.map((c) => ({ ...c, core: c.core as number })) } : {}),
  };
}
