/**
 * The reminder-call state on an appointment item. Every transition is one conditional UpdateItem,
 * so a duplicate or concurrent dialer invocation, a late status callback or a reschedule in between
 * can never move the state in a way that places a second call (DAT-09).
 *
 *   (absent) ─claim─► dialing ─placed─► called ─outcome─► reminded | no_answer | busy | failed
 *                        │                          └────► retry_scheduled ─claim(attempt 2)─► dialing …
 *                        ├─release (Twilio 5xx/429: the retry may dial)─► (absent) / retry_scheduled
 *                        └─finish─► failed | skipped_outside_window
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';
import type { ReminderStatus } from './records';

export type ReminderAttempt = 1 | 2;

export class ReminderStateRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Takes the reminder of this appointment version for one attempt. Only one caller ever gets true:
   * the condition requires the version the schedule was made for, a booked appointment, and no
   * earlier claim (first attempt) or a pending retry (second attempt).
   */
  async claim(
    appointmentId: string,
    version: number,
    attempt: ReminderAttempt,
    now: string,
  ): Promise<boolean> {
    return this.update({
      Key: keys.appointment(appointmentId),
      UpdateExpression:
        'SET reminderStatus = :dialing, reminderAttempt = :attempt, reminderClaimedAt = :now, reminderUpdatedAt = :now',
      ConditionExpression:
        attempt === 1
          ? 'version = :version AND #status = :booked AND attribute_not_exists(reminderStatus)'
          : 'version = :version AND #status = :booked AND reminderStatus = :retry',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':dialing': 'dialing',
        ':attempt': attempt,
        ':now': now,
        ':version': version,
        ':booked': 'booked',
        ...(attempt === 2 ? { ':retry': 'retry_scheduled' } : {}),
      },
    });
  }

  /** Gives the claim back (the call was not placed), so a retried invocation can dial. */
  async release(appointmentId: string, attempt: ReminderAttempt, now: string): Promise<boolean> {
    return this.update({
      Key: keys.appointment(appointmentId),
      UpdateExpression:
        attempt === 1
          ? 'SET reminderUpdatedAt = :now REMOVE reminderStatus, reminderAttempt, reminderClaimedAt'
          : 'SET reminderStatus = :retry, reminderAttempt = :first, reminderUpdatedAt = :now',
      ConditionExpression: 'reminderStatus = :dialing AND reminderAttempt = :attempt',
      ExpressionAttributeValues: {
        ':dialing': 'dialing',
        ':attempt': attempt,
        ':now': now,
        ...(attempt === 2 ? { ':retry': 'retry_scheduled', ':first': 1 } : {}),
      },
    });
  }

  /** Twilio accepted the call: remember its SID (status callbacks must match it) and any retry. */
  async recordPlaced(
    appointmentId: string,
    attempt: ReminderAttempt,
    callSid: string,
    retryAt: string | null,
    now: string,
  ): Promise<boolean> {
    return this.update({
      Key: keys.appointment(appointmentId),
      UpdateExpression: `SET reminderStatus = :called, reminderCallSid = :sid, reminderUpdatedAt = :now${
        retryAt ? ', reminderRetryAt = :retryAt' : ''
      } REMOVE reminderAnsweredBy${retryAt ? '' : ', reminderRetryAt'}`,
      ConditionExpression: 'reminderStatus = :dialing AND reminderAttempt = :attempt',
      ExpressionAttributeValues: {
        ':called': 'called',
        ':sid': callSid,
        ':now': now,
        ':dialing': 'dialing',
        ':attempt': attempt,
        ...(retryAt ? { ':retryAt': retryAt } : {}),
      },
    });
  }

  /** Ends a claimed attempt without a known call (bad number, outside the window, a lost answer). */
  async finishClaim(
    appointmentId: string,
    attempt: ReminderAttempt,
    status: Extract<ReminderStatus, 'failed' | 'unconfirmed' | 'skipped_outside_window'>,
    now: string,
  ): Promise<boolean> {
    return this.update({
      Key: keys.appointment(appointmentId),
      UpdateExpression: 'SET reminderStatus = :status, reminderUpdatedAt = :now',
      ConditionExpression: 'reminderStatus = :dialing AND reminderAttempt = :attempt',
      ExpressionAttributeValues: {
        ':status': status,
        ':now': now,
        ':dialing': 'dialing',
        ':attempt': attempt,
      },
    });
  }

  /**
   * The final status of a placed call, from Twilio's status callback. Only for the call the
   * appointment is waiting on: a late or forged callback for another SID changes nothing.
   */
  async recordOutcome(
    appointmentId: string,
    callSid: string,
    status: Extract<ReminderStatus, 'reminded' | 'no_answer' | 'busy' | 'failed' | 'retry_scheduled'>,
    answeredBy: string | undefined,
    now: string,
  ): Promise<boolean> {
    return this.update({
      Key: keys.appointment(appointmentId),
      UpdateExpression: `SET reminderStatus = :status, reminderUpdatedAt = :now${
        answeredBy ? ', reminderAnsweredBy = :answeredBy' : ''
      }`,
      ConditionExpression: 'reminderStatus = :called AND reminderCallSid = :sid',
      ExpressionAttributeValues: {
        ':status': status,
        ':now': now,
        ':called': 'called',
        ':sid': callSid,
        ...(answeredBy ? { ':answeredBy': answeredBy } : {}),
      },
    });
  }

  private async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
