/**
 * Temporary directories that are gone when the test file is done (`removeScratchDirs` runs after
 * every file, from `test/support/scratch-cleanup.ts`). A CDK `App` without `outdir` makes its own
 * `cdk.out*` directory in the system temp dir and never removes it, so every synth in the suite
 * would leave ~1.4 MB behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** An outdir for a CDK `App` that is removed with the test process. */
export function appOutdir(): string {
  return scratchDir('pitcrew-cdk-out-');
}

export function removeScratchDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
