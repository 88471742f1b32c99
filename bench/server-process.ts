/**
 * The built voice server (dist/server/main.mjs) as its own process, configured through the
 * environment exactly like the container, and read through its local-only metrics endpoint.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../dev/dynamodb-local';
import { REPO_ROOT } from '../lib/paths';
import type { TableNames } from '../runtime/data/table-definitions';
import { tableNamesToEnv } from '../runtime/data/table-definitions';
import type { ServerMetrics } from '../runtime/server/metrics-route';
import type { FakesReady } from './protocol';

export const SERVER_ENTRY = join(REPO_ROOT, 'dist', 'server', 'main.mjs');
export const PUBLIC_BASE_URL = 'https://voice.bench.test';

export interface ServerOptions {
  fakes: FakesReady;
  apiKeys: { openai: string; deepgram: string };
  tables: TableNames;
  dynamoEndpoint: string;
  /** The shop's per-task call limit is raised to this so the server does not refuse the level. */
  maxCalls: number;
  /** Write a V8 CPU profile into this directory when the server exits. */
  cpuProfDir?: string;
}

export interface ServerHandle {
  baseUrl: string;
  pid: number;
  /** `gc`: a full collection first (the server runs with --expose-gc), for idle-heap readings. */
  metrics(reset?: boolean, gc?: boolean): Promise<ServerMetrics>;
  /** SIGTERM (the server drains, then exits and writes its profile); SIGKILL after a deadline. */
  stop(): Promise<void>;
  /** Synchronous last resort for exit handlers. */
  kill(): void;
  /** The last lines the server wrote (it logs at warn), for error messages. */
  output(): string;
}

function shopConfig(maxCalls: number): string {
  const shop = JSON.parse(readFileSync(join(REPO_ROOT, 'shops', 'example.json'), 'utf8'));
  shop.calls = { ...shop.calls, maxConcurrentCallsPerTask: Math.min(500, Math.max(maxCalls, 50)) };
  return JSON.stringify(shop);
}

export async function startServer(options: ServerOptions): Promise<ServerHandle> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL,
    SHOP_ID: 'example',
    SHOP_CONFIG: shopConfig(options.maxCalls),
    OPENAI_API_KEY: options.apiKeys.openai,
    OPENAI_BASE_URL: options.fakes.openaiBaseUrl,
    DEEPGRAM_API_KEY: options.apiKeys.deepgram,
    DEEPGRAM_BASE_URL: options.fakes.deepgramBaseUrl,
    TWILIO_ACCOUNT_SID: options.fakes.twilio.accountSid,
    TWILIO_AUTH_TOKEN: options.fakes.twilio.authToken,
    TWILIO_API_BASE_URL: options.fakes.twilio.restBaseUrl,
    TOOLS_INVOKER: 'local',
    VPIC_BASE_URL: 'http://127.0.0.1:9',
    ...tableNamesToEnv(options.tables),
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Logging stays off the hot path: warnings and errors only.
    LOG_LEVEL: 'warn',
  };
  const args = [
    ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
    // Only exposes global.gc for the soak's idle-heap readings; collection itself is unchanged.
    '--expose-gc',
    SERVER_ENTRY,
  ];
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () => lines.slice(-30).join('\n');

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output()}`);
    const ok = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer /healthz within 20 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    baseUrl,
    pid: child.pid!,
    async metrics(reset = false, gc = false) {
      const query = [...(reset ? ['reset=1'] : []), ...(gc ? ['gc=1'] : [])].join('&');
      const response = await fetch(`${baseUrl}/internal/metrics${query ? `?${query}` : ''}`, {
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`metrics endpoint answered ${response.status}`);
      return (await response.json()) as ServerMetrics;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    output,
  };
}
