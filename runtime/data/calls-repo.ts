import { createHash, randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../zod';
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
/** Stream bindings, conversation state and webhook deliveries outlive any call by far. */
const STATE_TTL_SECONDS = 24 * 3600;
const seconds = (ms: number) => Math.floor(ms / 1000);

/** The confirmation gate's per-call state (conversation/confirmation-gate.ts) that a resume keeps. */
export interface ConfirmationGateState {
  cancellations: number;
  reschedules: number;
}

// Not strict: a state saved by an earlier version (with its `lastNameOnFile`) still resumes.
const gateStateSchema = z.object({
  cancellations: z.number().check(z.int(), z.gte(0)),
  reschedules: z.number().check(z.int(), z.gte(0)),
});

export interface ConversationState {
  /** The conversation without its system prompt (rebuilt on resume), as the model saw it. */
  messages: unknown[];
  customerId: string | null;
  /** The call ended on purpose (hang-up, transfer): a dropped stream is not to be resumed. */
  finished: boolean;
  /** Null for a state saved before the gate's was kept with it. */
  gate: ConfirmationGateState | null;
}
/** A conversation state as saved: its messages already as JSON (the journal compares saves by it). */
export type SavedConversation = Omit<ConversationState, 'messages'> & { messagesJson: string };

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
   * webhook minted it. Only its hash is stored. Works across server instances. A call gets a
   * token only until a stream has been bound with one: a replayed voice webhook (its signature has
   * no timestamp) cannot mint a second way in. Returns null when the call already has its stream.
   */
  async mintStreamToken(claims: StreamTokenClaims, nowMs = Date.now()): Promise<string | null> {
    const token = randomBytes(18).toString('base64url');
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.streamToken(claims.callSid),
            tokenHash: hashToken(token),
            ...claims,
            validUntil: seconds(nowMs) + TOKEN_TTL_SECONDS,
            expiresAt: seconds(nowMs) + STATE_TTL_SECONDS,
          },
          // Twilio may retry the webhook before the stream connects: that may replace the token.
          ConditionExpression: 'attribute_not_exists(boundAt)',
        }),
      );
      return token;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /**
   * A fresh token for a call whose stream dropped (RES-01), at most `maxReconnects` times per call.
   * Null when the call has no bound stream to resume or has used up its reconnects.
   */
  async mintReconnectToken(
    callSid: string,
    maxReconnects: number,
    nowMs = Date.now(),
  ): Promise<string | null> {
    const token = randomBytes(18).toString('base64url');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.streamToken(callSid),
          UpdateExpression: 'SET tokenHash = :hash, validUntil = :valid ADD reconnects :one REMOVE boundAt',
          ConditionExpression:
            'attribute_exists(boundAt) AND (attribute_not_exists(reconnects) OR reconnects < :max)',
          ExpressionAttributeValues: {
            ':hash': hashToken(token),
            ':valid': seconds(nowMs) + TOKEN_TTL_SECONDS,
            ':one': 1,
            ':max': maxReconnects,
          },
        }),
      );
      return token;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /** Binds the stream: the token must match this call, be unexpired and unused; null otherwise. */
  async consumeStreamToken(
    callSid: string,
    token: string,
    nowMs = Date.now(),
  ): Promise<(StreamTokenClaims & { reconnects: number }) | null> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.streamToken(callSid),
          UpdateExpression: 'SET boundAt = :now',
          ConditionExpression: 'tokenHash = :hash AND validUntil > :now AND attribute_not_exists(boundAt)',
          ExpressionAttributeValues: { ':hash': hashToken(token), ':now': seconds(nowMs) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!Attributes) return null;
      return {
        callSid,
        callerPhone: (Attributes.callerPhone as string | null) ?? null,
        direction: Attributes.direction as CallDirection,
        reconnects: Number(Attributes.reconnects ?? 0),
        ...(Attributes.appointmentId ? { appointmentId: Attributes.appointmentId as string } : {}),
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /** What a resumed stream needs to carry the conversation on (RES-02), kept for a day. */
  async saveConversation(callSid: string, state: SavedConversation, nowMs = Date.now()): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.conversation(callSid),
          // One string attribute, not a nested list of maps: the SDK marshals a turn's history in a
          // third of the CPU (measured 4.6 → 3.1 ms per PutItem for six turns), and only we read it.
          messagesJson: state.messagesJson,
          customerId: state.customerId,
          finished: state.finished,
          gate: state.gate,
          expiresAt: seconds(nowMs) + STATE_TTL_SECONDS,
        },
      }),
    );
  }

  async loadConversation(callSid: string): Promise<ConversationState | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.conversation(callSid), ConsistentRead: true }),
    );
    if (!Item) return null;
    return {
      messages: storedMessages(Item, callSid),
      customerId: (Item.customerId as string | null) ?? null,
      finished: Boolean(Item.finished),
      gate: storedGateState(Item, callSid),
    };
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

  /**
   * Appends a Twilio status to the call record, the first time this delivery is seen (SEC-06):
   * Twilio retries, and anyone holding a signed request can replay it, so only the first delivery
   * may have an effect, across instances. `deliveryKey` says what the callback reports (never a
   * header a replayer could change). One conditional update: the keys already seen live on the
   * record, so the check and the write cannot come apart. False for a repeat. `lastStatus` is the
   * call's own status (ringing, completed, no-answer, …); a media stream's events only join the
   * history, since Twilio's stream-stopped and the call's completed race each other.
   */
  async recordStatusOnce(
    callSid: string,
    deliveryKey: string,
    status: { status: string; at: string; durationSeconds?: number; detail?: string },
    source: 'call' | 'stream' = 'call',
  ): Promise<boolean> {
    const setLastStatus = source === 'call' ? ', lastStatus = :status' : '';
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.callRecord(callSid),
          UpdateExpression: `SET statusHistory = list_append(if_not_exists(statusHistory, :empty), :entry)${setLastStatus}, expiresAt = if_not_exists(expiresAt, :expires) ADD deliveries :delivery`,
          ConditionExpression: 'attribute_not_exists(deliveries) OR NOT contains(deliveries, :key)',
          ExpressionAttributeValues: {
            ':empty': [],
            ':entry': [status],
            ...(source === 'call' ? { ':status': status.status } : {}),
            ':expires': Math.floor(Date.now() / 1000) + CALL_RECORD_TTL_SECONDS,
            ':delivery': new Set([deliveryKey]),
            ':key': deliveryKey,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getCallRecord(callSid: string): Promise<Record<string, unknown> | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.callRecord(callSid), ConsistentRead: true }),
    );
    return Item ?? null;
  }
}

/** State written before `messagesJson` (it lives a day) kept the messages as a list attribute. */
function storedMessages(item: Record<string, unknown>, callSid: string): unknown[] {
  if (item.messagesJson === undefined) return Array.isArray(item.messages) ? item.messages : [];
  let messages: unknown;
  try {
    messages = typeof item.messagesJson === 'string' ? JSON.parse(item.messagesJson) : undefined;
  } catch {
    messages = undefined;
  }
  // Only this repository writes it, so this is corruption: the caller is better served by a person.
  if (!Array.isArray(messages)) throw new Error(`the saved conversation of ${callSid} is not a JSON array`);
  return messages;
}

/** Absent in state saved before it was kept; anything else malformed is corruption, as above. */
function storedGateState(item: Record<string, unknown>, callSid: string): ConfirmationGateState | null {
  if (item.gate === undefined || item.gate === null) return null;
  const parsed = gateStateSchema.safeParse(item.gate);
  if (!parsed.success) throw new Error(`the saved confirmation state of ${callSid} is malformed`);
  return parsed.data;
}
