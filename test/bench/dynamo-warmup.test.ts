import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { formatDynamoWarmup, warmDynamoLocal } from '../../bench/dynamo-warmup';
import { createTestTables, LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamo';

describe("the benchmark's DynamoDB Local warm-up", () => {
  it('runs the requests it says on keys no call uses, times a GetItem before and after, and a Query after idle', async () => {
    const { endpoint, db, tables } = await createTestTables('warmup');
    const warmup = await warmDynamoLocal(
      { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
      tables,
      42,
      { idleMs: 20, rounds: 3 },
    );
    expect(warmup).toMatchObject({ requests: 42, queryAfterIdle: { idleMs: 20, rounds: 3 } });
    expect(warmup.getItemBeforeMs).toBeGreaterThan(0);
    expect(warmup.getItemAfterMs).toBeGreaterThan(0);
    // The HTTP exchange is part of the send that contains it.
    const { sendMs, httpMs } = warmup.queryAfterIdle;
    expect(httpMs).toBeGreaterThan(0);
    expect(sendMs).toBeGreaterThan(httpMs);
    expect(formatDynamoWarmup(warmup)).toMatch(
      /^DynamoDB Local warmed with 42 requests in \d+\.\d s: GetItem p50 [\d.]+ → [\d.]+ ms; a Query after 20 ms idle p50 [\d.]+ ms, [\d.]+ ms of it the HTTP exchange$/,
    );
    // Every write went to WARMUP# keys: conversations and records, as a call writes them.
    const { Items = [] } = await db.send(new ScanCommand({ TableName: tables.calls }));
    expect(Items.length).toBeGreaterThan(0);
    for (const item of Items) expect(item.pk).toMatch(/^WARMUP#\d+$/);
    expect(new Set(Items.map((item) => item.sk))).toEqual(new Set(['CONVERSATION', 'RECORD']));
  });
});
