import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { stableId } from './ids';
import { keys, parseSlotLockSortKey } from './keys';
import type { Appointment } from './records';
import type { TableNames } from './table-definitions';
import { APPOINTMENTS_BY_CUSTOMER_INDEX } from './table-definitions';
import { TOKEN_REUSED, transactWrite } from './transactions';

export interface SlotLock {
  bay: number;
  sliceUtc: string;
  appointmentId: string;
}

export type WriteOutcome = 'done' | 'slot_taken' | 'stale' | 'duplicate' | 'owner_missing';

/** Services last at most 10 hours (shop-config.ts); 12 leaves room for a DST hour. */
const LONGEST_APPOINTMENT_MS = 12 * 3600_000;

/** A week past its slice a lock guards nothing: TTL removes it (the appointment keeps the history). */
const LOCK_KEPT_AFTER_SLICE_SECONDS = 7 * 24 * 3600;

type Tables = Pick<TableNames, 'appointments' | 'slots' | 'customers' | 'vehicles'>;

/**
 * Appointments and the bay-slice locks that enforce capacity. Every change that affects
 * capacity is one conditional transaction (DAT-01..03): a lock item exists per (bay, 15-minute
 * slice) and can only be created when absent, so no interleaving can overbook a bay.
 */
export class AppointmentsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async get(appointmentId: string): Promise<Appointment | null> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tables.appointments,
        Key: keys.appointment(appointmentId),
        ConsistentRead: true,
      }),
    );
    return Item ? toAppointment(Item) : null;
  }

  /**
   * Booked appointments of a customer that have not ended yet, soonest first: one under way (the
   * car is in the bay) is listed too, since that is often what they are calling about.
   */
  async listUpcoming(customerId: string, nowUtc: string, limit = 10): Promise<Appointment[]> {
    // Stored as "YYYY-MM-DDTHH:MM:SSZ", so the key comparison is a string one in that same form.
    const since = `${new Date(Date.parse(nowUtc) - LONGEST_APPOINTMENT_MS).toISOString().slice(0, 19)}Z`;
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tables.appointments,
        IndexName: APPOINTMENTS_BY_CUSTOMER_INDEX,
        KeyConditionExpression: 'customerId = :customerId AND startUtc >= :since',
        FilterExpression: '#status = :booked AND endUtc > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':customerId': customerId,
          ':since': since,
          ':now': nowUtc,
          ':booked': 'booked',
        },
      }),
    );
    return Items.map(toAppointment).slice(0, limit);
  }

  /** All locks held on a shop-local date (one strongly consistent Query). */
  async locksOn(localDate: string): Promise<SlotLock[]> {
    const locks: SlotLock[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tables.slots,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.slotDay(localDate).pk },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const parsed = parseSlotLockSortKey(item.sk as string);
        if (parsed) locks.push({ ...parsed, appointmentId: item.appointmentId as string });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return locks;
  }

  /**
   * Creates the appointment and its locks atomically, checking in the same transaction that the
   * customer and the vehicle (under that customer) still exist.
   */
  async book(appointment: Appointment): Promise<WriteOutcome> {
    const outcome = await transactWrite(this.db, {
      ClientRequestToken: `${appointment.appointmentId}-${appointment.bay}`,
      TransactItems: [
        {
          Put: {
            TableName: this.tables.appointments,
            Item: { ...keys.appointment(appointment.appointmentId), ...appointment },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          ConditionCheck: {
            TableName: this.tables.customers,
            Key: keys.customer(appointment.customerId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          ConditionCheck: {
            TableName: this.tables.vehicles,
            Key: keys.vehicle(appointment.customerId, appointment.vehicleId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        ...appointment.slices.map((slice) => this.putLock(appointment, slice)),
      ],
    });
    if (outcome.committed) return 'done';
    const [appointmentReason, customerReason, vehicleReason] = outcome.reasons;
    if (appointmentReason === 'ConditionalCheckFailed' || appointmentReason === TOKEN_REUSED)
      return 'duplicate';
    if (customerReason === 'ConditionalCheckFailed' || vehicleReason === 'ConditionalCheckFailed') {
      return 'owner_missing';
    }
    return 'slot_taken';
  }

  /**
   * Moves an appointment: releases the locks it no longer needs, takes the new ones and bumps the
   * version, all only if nobody changed the appointment since `current` was read.
   */
  async reschedule(current: Appointment, next: Appointment): Promise<WriteOutcome> {
    const oldKeys = new Set(current.slices.map((s) => `${current.lockDate}|${s}|${current.bay}`));
    const newKeys = new Set(next.slices.map((s) => `${next.lockDate}|${s}|${next.bay}`));
    const release = current.slices.filter((s) => !newKeys.has(`${current.lockDate}|${s}|${current.bay}`));
    const take = next.slices.filter((s) => !oldKeys.has(`${next.lockDate}|${s}|${next.bay}`));
    const outcome = await transactWrite(this.db, {
      // Two moves read from the same version must not share a token: the second would be refused
      // as a mismatched replay of the first instead of failing its version condition.
      ClientRequestToken: stableId(
        'mv',
        [next.appointmentId, String(next.version), String(next.bay), next.startUtc],
        24,
      ),
      TransactItems: [
        {
          Put: {
            TableName: this.tables.appointments,
            Item: { ...keys.appointment(next.appointmentId), ...next },
            ConditionExpression: 'version = :expected AND customerId = :customerId AND #status = :booked',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':expected': current.version,
              ':customerId': current.customerId,
              ':booked': 'booked',
            },
          },
        },
        ...release.map((slice) => this.deleteLock(current, slice)),
        ...take.map((slice) => this.putLock(next, slice)),
      ],
    });
    if (outcome.committed) return 'done';
    const [appointmentReason] = outcome.reasons;
    return appointmentReason === 'ConditionalCheckFailed' || appointmentReason === TOKEN_REUSED
      ? 'stale'
      : 'slot_taken';
  }

  /** Cancels and releases every lock in one transaction, if the appointment is unchanged. */
  async cancel(current: Appointment, cancelled: Appointment): Promise<WriteOutcome> {
    const outcome = await transactWrite(this.db, {
      ClientRequestToken: `${current.appointmentId}-v${cancelled.version}-cancel`,
      TransactItems: [
        {
          Put: {
            TableName: this.tables.appointments,
            Item: { ...keys.appointment(cancelled.appointmentId), ...cancelled },
            ConditionExpression: 'version = :expected AND customerId = :customerId AND #status = :booked',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':expected': current.version,
              ':customerId': current.customerId,
              ':booked': 'booked',
            },
          },
        },
        ...current.slices.map((slice) => this.deleteLock(current, slice)),
      ],
    });
    if (outcome.committed) return 'done';
    return 'stale';
  }

  /**
   * Records the customer's confirmation of `current` as read: if it was moved (a new version) or
   * cancelled since, nothing is written, so a yes is never recorded against a time not heard.
   * No version bump: confirming changes neither time nor capacity, and the pending reminder
   * schedule (made for this version) must stay valid.
   */
  async confirm(current: Appointment, callSid: string, now: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.appointments,
          Key: keys.appointment(current.appointmentId),
          UpdateExpression: 'SET confirmedAt = :now, confirmedByCallSid = :callSid, updatedAt = :now',
          ConditionExpression: 'version = :expected AND customerId = :customerId AND #status = :booked',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':now': now,
            ':callSid': callSid,
            ':expected': current.version,
            ':customerId': current.customerId,
            ':booked': 'booked',
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private putLock(appointment: Appointment, sliceUtc: string) {
    return {
      Put: {
        TableName: this.tables.slots,
        Item: {
          ...keys.slotLock(appointment.lockDate, sliceUtc, appointment.bay),
          appointmentId: appointment.appointmentId,
          expiresAt: Math.floor(Date.parse(sliceUtc) / 1000) + LOCK_KEPT_AFTER_SLICE_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private deleteLock(appointment: Appointment, sliceUtc: string) {
    return {
      Delete: {
        TableName: this.tables.slots,
        Key: keys.slotLock(appointment.lockDate, sliceUtc, appointment.bay),
        ConditionExpression: 'appointmentId = :appointmentId',
        ExpressionAttributeValues: { ':appointmentId': appointment.appointmentId },
      },
    };
  }
}

function toAppointment(item: Record<string, unknown>): Appointment {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Appointment;
}
