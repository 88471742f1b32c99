/**
 * Shared helpers for the telephony-edge security tests (security-webhooks.test.ts,
 * security-media-socket.test.ts): `scanCalls` (a scan of the calls table, where stream tokens and
 * call records both live), `sideEffects` (that scan plus the fakes' connection/request counters, to
 * compare before and after), `sign` (a Twilio signature) and `callSid`.
 *
 * Not a test file and registers no hooks: each test file starts and stops its own harness in its
 * own beforeAll/afterAll and hands it over with `bindE2e`, which these helpers then use.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import twilio from 'twilio';
import { createDocumentClient } from '../../runtime/data/dynamo-client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamo';
import type { E2e } from './harness';

/** The harness of the test file that imported this module (each test file gets its own module). */
let e2e: E2e;
let db: DynamoDBDocumentClient;

/**
 * Points the helpers at this test file's harness, and opens the DynamoDB client `scanCalls` reads
 * with; call it from the file's beforeAll.
 */
export function bindE2e(instance: E2e): E2e {
  e2e = instance;
  db = createDocumentClient({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  return instance;
}

/** Every item in the calls table, as `pk|sk`, sorted. */
export async function scanCalls(): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: e2e.config.tables.calls,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) items.push(`${item.pk}|${item.sk}`);
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort();
}

export const callSid = () => `CA${randomBytes(16).toString('hex')}`;

/** Everything a forged request could have set off, to compare before and after. */
export async function sideEffects() {
  return {
    callsTable: await scanCalls(),
    stt: e2e.deepgram.stt.length,
    tts: e2e.deepgram.tts.length,
    llm: e2e.openai.requests.length,
    restCalls: e2e.twilio.restRequests.length,
    activeCalls: e2e.server.registry.size,
  };
}

export const sign = (url: string, params: Record<string, string>, token = e2e.twilio.authToken) =>
  twilio.getExpectedTwilioSignature(token, url, params);
