/**
 * The conversation state a dropped stream resumes from (RES-02): written by the call's journal
 * through the real repository into DynamoDB Local, behind a proxy that counts and fails requests.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallJournal } from '../../runtime/conversation/call-journal';
import { CallsRepository } from '../../runtime/data/calls-repo';
import { createDocumentClient } from '../../runtime/data/dynamo-client';
import { keys } from '../../runtime/data/keys';
import { createLogger } from '../../runtime/observability/logger';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '../fakes/dynamo-fault-proxy';
import { createTestTables, LOCAL_CREDENTIALS, LOCAL_REGION, type TestTables } from '../support/dynamo';

let t: TestTables;
let proxy: DynamoFaultProxy;
let calls: CallsRepository;
let sid = 0;

beforeAll(async () => {
  t = await createTestTables('journal');
  proxy = await startDynamoFaultProxy(t.endpoint);
  const db = createDocumentClient({
    endpoint: proxy.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  calls = new CallsRepository(db, t.tables.calls);
});
afterAll(async () => {
  await proxy.close();
});

function journal() {
  const callSid = `CA${String(++sid).padStart(32, '0')}`;
  const log = createLogger({ level: 'silent' });
  const made = new CallJournal({ callSid, direction: 'inbound', callerPhone: null }, calls, log, () =>
    Temporal.Now.instant(),
  );
  return { callSid, journal: made };
}

const puts = () => proxy.operations.filter((operation) => operation === 'PutItem').length;
const TURN = [
  { role: 'user', content: 'Can I bring the Civic in on Tuesday?' },
  { role: 'assistant', content: 'Tuesday at nine works. Shall I book it?' },
];

const FRESH_GATE = { cancellations: 0, reschedules: 0 };

describe('the saved conversation', () => {
  it('comes back as it was saved: messages, customer and whether the call ended on purpose', async () => {
    const { callSid, journal: j } = journal();
    await j.persist(TURN, 'cus_1', false, FRESH_GATE);
    expect(await calls.loadConversation(callSid)).toEqual({
      messages: TURN,
      customerId: 'cus_1',
      finished: false,
      gate: FRESH_GATE,
    });
    await j.persist(TURN, 'cus_1', true, FRESH_GATE);
    expect((await calls.loadConversation(callSid))?.finished).toBe(true);
  });

  it('is not written again when nothing changed since the last save', async () => {
    const { callSid, journal: j } = journal();
    const before = puts();
    await j.persist(TURN.slice(0, 1), null, false, FRESH_GATE);
    await j.persist(TURN, null, false, FRESH_GATE);
    await j.persist(TURN, null, false, FRESH_GATE); // the end of a call that closed by itself
    expect(puts() - before).toBe(2);
    await j.persist(TURN, 'cus_2', false, FRESH_GATE);
    await j.persist(TURN, 'cus_2', true, FRESH_GATE);
    expect(puts() - before).toBe(4);
    expect(await calls.loadConversation(callSid)).toEqual({
      messages: TURN,
      customerId: 'cus_2',
      finished: true,
      gate: FRESH_GATE,
    });
  });

  it("keeps the confirmation gate's per-call counts, and saves again when only they changed", async () => {
    const { callSid, journal: j } = journal();
    await j.persist(TURN, 'cus_3', false, FRESH_GATE);
    const before = puts();
    const afterCancelling = { cancellations: 1, reschedules: 0 };
    await j.persist(TURN, 'cus_3', false, afterCancelling);
    expect(puts() - before).toBe(1);
    expect((await calls.loadConversation(callSid))?.gate).toEqual(afterCancelling);
  });

  it('is tried again after a save that failed, even with the same state', async () => {
    const { callSid, journal: j } = journal();
    proxy.failNext('PutItem', 'throttling', 3); // every attempt the client makes
    await j.persist(TURN, null, false, FRESH_GATE);
    expect(await calls.loadConversation(callSid)).toBeNull();
    await j.persist(TURN, null, false, FRESH_GATE);
    expect((await calls.loadConversation(callSid))?.messages).toEqual(TURN);
  });

  it('still reads state saved before messages were kept as one JSON string', async () => {
    const callSid = 'CAlegacy00000000000000000000000000';
    await t.db.send(
      new PutCommand({
        TableName: t.tables.calls,
        Item: { ...keys.conversation(callSid), messages: TURN, customerId: null, finished: false },
      }),
    );
    const legacy = await calls.loadConversation(callSid);
    expect(legacy?.messages).toEqual(TURN);
    // Saved before the gate's state was kept: the resumed call starts its counts afresh.
    expect(legacy?.gate).toBeNull();
  });

  it('refuses a corrupt saved conversation instead of resuming a call without its past', async () => {
    const callSid = 'CAcorrupt0000000000000000000000000';
    await t.db.send(
      new PutCommand({
        TableName: t.tables.calls,
        Item: { ...keys.conversation(callSid), messagesJson: '{"role":', customerId: null, finished: false },
      }),
    );
    await expect(calls.loadConversation(callSid)).rejects.toThrow(/not a JSON array/);
    const badGate = 'CAbadgate00000000000000000000000000';
    await t.db.send(
      new PutCommand({
        TableName: t.tables.calls,
        Item: {
          ...keys.conversation(badGate),
          messagesJson: '[]',
          customerId: null,
          finished: false,
          gate: { cancellations: -1, reschedules: 0 },
        },
      }),
    );
    // Resuming with forgotten limits would hand the caller a fresh allowance.
    await expect(calls.loadConversation(badGate)).rejects.toThrow(/confirmation state of .* is malformed/);
  });
});
