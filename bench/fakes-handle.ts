/**
 * The benchmark's side of the fakes process (bench/fakes-process.ts): started with `fork`, spoken
 * to over IPC in the messages of bench/protocol.ts, stopped politely and killed if it will not go.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/paths';
import type { FromFakes, ToFakes } from './protocol';

/** The fakes process: one request in flight at a time, answered by the matching message type. */
export class FakesProcess {
  private readonly child: ReturnType<typeof fork>;
  private readonly exited: Promise<void>;

  /** `cpuProfDir`: the fakes are profiled too (`fakes-*.cpuprofile`), to see what the load costs. */
  constructor(cpuProfDir?: string) {
    const profile = cpuProfDir
      ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `fakes-${Date.now()}.cpuprofile`]
      : [];
    this.child = fork(join(REPO_ROOT, 'bench', 'fakes-process.ts'), [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx', ...profile],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
  }

  onProgress: (message: Extract<FromFakes, { type: 'progress' }>) => void = () => {};

  request<T extends FromFakes['type']>(
    message: ToFakes,
    answer: T,
  ): Promise<Extract<FromFakes, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: FromFakes) => {
        if (reply.type === 'progress') return this.onProgress(reply);
        cleanup();
        if (reply.type === answer) resolve(reply as Extract<FromFakes, { type: T }>);
        else reject(new Error(reply.type === 'error' ? `fakes process: ${reply.message}` : reply.type));
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`the fakes process exited (${code}) while waiting for ${answer}`));
      };
      const cleanup = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToFakes);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
