/**
 * Results must not depend on the process's TZ (reliability DAT-06): the same digest of schedule
 * results in this process, in child processes started with other TZ values, and after changing
 * process.env.TZ in-process. Each run also proves its TZ really took effect, via Date's offset.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { processOffsetWitness, scheduleDigest } from './fixtures/tz-probe';

const PROBE = fileURLToPath(new URL('./fixtures/tz-probe-main.ts', import.meta.url));

function runProbe(tz: string): { offset: number; digest: unknown } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', PROBE], {
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`probe with TZ=${tz} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as { offset: number; digest: unknown };
}

/** Through JSON, exactly as the child reports it. */
const here = () => JSON.parse(JSON.stringify(scheduleDigest())) as unknown;

describe('independence from the process time zone', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('gives the same results in child processes with TZ=Asia/Kolkata, Pacific/Auckland and UTC', () => {
    const expected = here();
    const offsets = new Set<number>();
    for (const tz of ['Asia/Kolkata', 'Pacific/Auckland', 'UTC']) {
      const { offset, digest } = runProbe(tz);
      offsets.add(offset);
      expect(digest, `TZ=${tz}`).toEqual(expected);
    }
    // Kolkata is UTC+5:30, Auckland UTC+13 in January, UTC 0: the three processes really differed.
    expect([...offsets].sort((a, b) => a - b)).toEqual([-780, -330, 0]);
  });

  it('gives the same results after process.env.TZ changes in this process', () => {
    process.env.TZ = 'UTC';
    const inUtc = here();
    expect(processOffsetWitness()).toBe(0);
    process.env.TZ = 'Pacific/Auckland';
    expect(processOffsetWitness()).toBe(-780);
    expect(here()).toEqual(inUtc);
    process.env.TZ = 'Asia/Kolkata';
    expect(processOffsetWitness()).toBe(-330);
    expect(here()).toEqual(inUtc);
  });

  it('produces a digest with real content (slots on every probed day)', () => {
    const digest = here() as Record<string, unknown[]>;
    expect(digest['America/Chicago 2026-03-08']!.length).toBeGreaterThan(40);
    expect(digest['Asia/Kolkata 2026-12-31']!.length).toBeGreaterThan(40);
    expect(digest.prompt).toBe('Tuesday, December 1, 2026, 11:58 PM (America/Chicago)');
  });
});
