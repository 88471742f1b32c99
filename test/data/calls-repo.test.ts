/**
 * Twilio status callbacks on the call record (SEC-06), through the real repository on DynamoDB
 * Local: each delivery has one effect, however often and however concurrently it arrives.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CallsRepository } from '../../runtime/data/calls-repo';
import { createTestTables } from '../support/dynamo';

let calls: CallsRepository;
let sid = 0;
const nextCallSid = () => `CA${String(++sid).padStart(32, '0')}`;

beforeAll(async () => {
  const t = await createTestTables('calls-repo');
  calls = new CallsRepository(t.db, t.tables.calls);
});

describe('recordStatusOnce', () => {
  it('appends each new delivery in order and keeps the latest status', async () => {
    const callSid = nextCallSid();
    const at = '2026-12-03T15:00:00Z';
    expect(await calls.recordStatusOnce(callSid, 'status:ringing:1:', { status: 'ringing', at })).toBe(true);
    expect(
      await calls.recordStatusOnce(callSid, 'status:completed:2:', {
        status: 'completed',
        at,
        durationSeconds: 42,
      }),
    ).toBe(true);
    expect(await calls.getCallRecord(callSid)).toMatchObject({
      lastStatus: 'completed',
      statusHistory: [
        { status: 'ringing', at },
        { status: 'completed', at, durationSeconds: 42 },
      ],
    });
  });

  it("keeps the call's own status as the latest when a stream event arrives after it", async () => {
    const callSid = nextCallSid();
    const at = '2026-12-03T15:00:00Z';
    await calls.recordStatusOnce(
      callSid,
      'stream:MZ1:stream-started',
      { status: 'stream-started', at },
      'stream',
    );
    expect(await calls.getCallRecord(callSid)).not.toHaveProperty('lastStatus');
    await calls.recordStatusOnce(callSid, 'status:completed:3:', { status: 'completed', at });
    await calls.recordStatusOnce(
      callSid,
      'stream:MZ1:stream-stopped',
      { status: 'stream-stopped', at },
      'stream',
    );
    expect(await calls.getCallRecord(callSid)).toMatchObject({
      lastStatus: 'completed',
      statusHistory: [
        { status: 'stream-started', at },
        { status: 'completed', at },
        { status: 'stream-stopped', at },
      ],
    });
  });

  it('gives a repeated delivery no effect, even when its body differs', async () => {
    const callSid = nextCallSid();
    const at = '2026-12-03T15:00:00Z';
    expect(
      await calls.recordStatusOnce(callSid, 'stream:MZ1:stream-error', { status: 'stream-error', at }),
    ).toBe(true);
    expect(
      await calls.recordStatusOnce(callSid, 'stream:MZ1:stream-error', {
        status: 'stream-error',
        at,
        detail: 'x',
      }),
    ).toBe(false);
    const record = await calls.getCallRecord(callSid);
    expect(record?.statusHistory).toEqual([{ status: 'stream-error', at }]);
  });

  it('lets exactly one of several concurrent identical deliveries through', async () => {
    const callSid = nextCallSid();
    const at = '2026-12-03T15:00:00Z';
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        calls.recordStatusOnce(callSid, 'status:completed::', { status: 'completed', at }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await calls.getCallRecord(callSid))?.statusHistory).toHaveLength(1);
  });
});
