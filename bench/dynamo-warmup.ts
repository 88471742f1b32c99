/**
 * DynamoDB Local is a JVM: until its JIT has compiled the request path, a GetItem on loopback
 * takes 6–10 ms, and ~1 ms after a few thousand requests (measured on the 2-vCPU build machine).
 * The managed service has no such warm-up, so without this the tool round of the first levels
 * measures the database's JIT, not our code (the tool round at 1 call: 10.6 → 7.0 ms p50 once
 * warmed). The requests are the kinds a call makes, on keys no call uses.
 *
 * After it, the tool's Query is timed the way a call meets it: after the JVM has sat idle for a
 * while (a call's tool turn comes seconds after its last request). The time is split into the HTTP
 * exchange (request handed to node:http → response headers: DynamoDB Local and loopback) and the
 * whole `send` (our SDK's serializing, signing and parsing on top), so the tool round can be read
 * as the database's share and ours.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createDocumentClient } from '../runtime/data/dynamo-client';
import type { TableNames } from '../runtime/data/table-definitions';

export interface DynamoWarmup {
  requests: number;
  durationMs: number;
  /** Median of 20 sequential GetItems before and after, ms. */
  getItemBeforeMs: number;
  getItemAfterMs: number;
  /** Medians over `rounds` Queries (the slots tool's), each after `idleMs` without a request. */
  queryAfterIdle: { idleMs: number; rounds: number; sendMs: number; httpMs: number };
}

export interface IdleProbeOptions {
  idleMs: number;
  rounds: number;
}

const REQUESTS = 6000;
const CONCURRENCY = 8;
const PROBES = 20;
const IDLE_PROBE: IdleProbeOptions = { idleMs: 500, rounds: 12 };

export async function warmDynamoLocal(
  connection: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
  tables: TableNames,
  requests = REQUESTS,
  idleProbe = IDLE_PROBE,
): Promise<DynamoWarmup> {
  const db = createDocumentClient(connection);
  const probe = async () => {
    const times: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      const start = performance.now();
      await db.send(new GetCommand({ TableName: tables.calls, Key: { pk: 'WARMUP#probe', sk: 'RECORD' } }));
      times.push(performance.now() - start);
    }
    return round(median(times));
  };
  const one = (n: number) => {
    const pk = `WARMUP#${n % 64}`;
    switch (n % 4) {
      case 0:
        return db.send(
          new PutCommand({
            TableName: tables.calls,
            Item: { pk, sk: 'CONVERSATION', messagesJson: 'x'.repeat(2000), finished: false },
          }),
        );
      case 1:
        return db.send(
          new GetCommand({ TableName: tables.calls, Key: { pk, sk: 'CONVERSATION' }, ConsistentRead: true }),
        );
      case 2:
        return db.send(
          new UpdateCommand({
            TableName: tables.calls,
            Key: { pk, sk: 'RECORD' },
            UpdateExpression: 'SET lastStatus = :s ADD deliveries :d',
            ExpressionAttributeValues: { ':s': 'in-progress', ':d': new Set([`k${n}`]) },
          }),
        );
      default:
        return db.send(
          new QueryCommand({
            TableName: tables.slots,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `WARMUP#DAY#${n % 16}` },
            ConsistentRead: true,
          }),
        );
    }
  };
  const getItemBeforeMs = await probe();
  const started = performance.now();
  for (let n = 0; n < requests; n += CONCURRENCY)
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, requests - n) }, (_, i) => one(n + i)));
  const durationMs = Math.round(performance.now() - started);
  const getItemAfterMs = await probe();
  db.destroy();
  const queryAfterIdle = await probeQueryAfterIdle(connection, tables, idleProbe);
  return { requests, durationMs, getItemBeforeMs, getItemAfterMs, queryAfterIdle };
}

/** The SDK's own node:http handler, timing each exchange it is handed. */
class TimedHttpHandler extends NodeHttpHandler {
  lastMs = 0;
  override async handle(...args: Parameters<NodeHttpHandler['handle']>) {
    const start = performance.now();
    const response = await super.handle(...args);
    this.lastMs = performance.now() - start;
    return response;
  }
}

async function probeQueryAfterIdle(
  connection: Parameters<typeof warmDynamoLocal>[0],
  tables: TableNames,
  { idleMs, rounds }: IdleProbeOptions,
): Promise<DynamoWarmup['queryAfterIdle']> {
  const handler = new TimedHttpHandler();
  const db = createDocumentClient({ ...connection, requestHandler: handler });
  const query = () =>
    db.send(
      new QueryCommand({
        TableName: tables.slots,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'WARMUP#DAY#idle' },
        ConsistentRead: true,
      }),
    );
  await query(); // the connection, so every timed round reuses it as a call's client does
  const send: number[] = [];
  const http: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const start = performance.now();
    await query();
    send.push(performance.now() - start);
    http.push(handler.lastMs);
  }
  db.destroy();
  return { idleMs, rounds, sendMs: round(median(send)), httpMs: round(median(http)) };
}

export function formatDynamoWarmup(warmup: DynamoWarmup): string {
  return (
    `DynamoDB Local warmed with ${warmup.requests} requests in ${(warmup.durationMs / 1000).toFixed(1)} s: ` +
    `GetItem p50 ${warmup.getItemBeforeMs} → ${warmup.getItemAfterMs} ms; ` +
    `a Query after ${warmup.queryAfterIdle.idleMs} ms idle p50 ${warmup.queryAfterIdle.sendMs} ms, ` +
    `${warmup.queryAfterIdle.httpMs} ms of it the HTTP exchange`
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;
