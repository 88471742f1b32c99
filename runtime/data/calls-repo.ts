import { createHash, randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';

export type CallDirection = 'inbound' | 'outbound';

export interface StreamTokenClaims {
  callSid: string;
  callerPhone: string | null;
  direction: CallDirection;
  /** For outbound reminder calls: the appointment being reminded. */
  appointmentId?: string;
}

export interface CallRecord {
  callSid: string;
  direction: CallDirection;
  callerPhone: string | null;
  customerId: string | null;
  startedAt: string;
  endedAt: string;
  outcome: string;
  transcript: { role: 'caller' | 'assistant' | 'tool'; text: string; at: string; interrupted?: boolean }[];
  usage: { promptTokens: number; completionTokens: number; llmCalls: number };
  latency: Record<string, number | null>;
}

const TOKEN_TTL_SECONDS = 120;
/** Call records are kept for a quarter, then expire (they hold transcripts: keep no longer than useful). */
const CALL_RECORD_TTL_SECONDS = 90 * 24 * 3600;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class CallsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * A single-use, short-lived token that binds one media websocket to the call whose signed
   * webhook minted it. Only its hash is stored. Works across server instances.
   */
  async mintStreamToken(claims: StreamTokenClaims, nowMs = Date.now()): Promise<string> {
    const token = randomBytes(18).toString('base64url');
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.streamToken(claims.callSid),
          tokenHash: hashToken(token),
          ...claims,
          expiresAt: Math.floor(nowMs / 1000) + TOKEN_TTL_SECONDS,
        },
      }),
    );
    return token;
  }

  /** Consumes the token if it matches this call and has not expired; null otherwise. */
  async consumeStreamToken(
    callSid: string,
    token: string,
    nowMs = Date.now(),
  ): Promise<StreamTokenClaims | null> {
    try {
      const { Attributes } = await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.streamToken(callSid),
          ConditionExpression: 'tokenHash = :hash AND expiresAt > :now',
          ExpressionAttributeValues: { ':hash': hashToken(token), ':now': Math.floor(nowMs / 1000) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!Attributes) return null;
      return {
        callSid,
        callerPhone: (Attributes.callerPhone as string | null) ?? null,
        direction: Attributes.direction as CallDirection,
        ...(Attributes.appointmentId ? { appointmentId: Attributes.appointmentId as string } : {}),
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /** Writes the end-of-call record; status callbacks may already have created the item. */
  async saveCallRecord(record: CallRecord): Promise<void> {
    const { callSid, ...fields } = record;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries({
      ...fields,
      expiresAt: Math.floor(Date.now() / 1000) + CALL_RECORD_TTL_SECONDS,
    }).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.callRecord(callSid),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Appends a Twilio call status (ringing, completed, no-answer, …) to the call record. */
  async recordStatus(
    callSid: string,
    status: { status: string; at: string; durationSeconds?: number },
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.callRecord(callSid),
        UpdateExpression:
          'SET statusHistory = list_append(if_not_exists(statusHistory, :empty), :entry), lastStatus = :status, expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: {
          ':empty': [],
          ':entry': [status],
          ':status': status.status,
          ':expires': Math.floor(Date.now() / 1000) + CALL_RECORD_TTL_SECONDS,
        },
      }),
    );
  }

  async getCallRecord(callSid: string): Promise<Record<string, unknown> | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.callRecord(callSid), ConsistentRead: true }),
    );
    return Item ?? null;
  }
}
