import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { newId } from './ids';
import { keys } from './keys';
import type { Customer } from './records';

export type CreateCustomerOutcome =
  | { created: true; customer: Customer }
  | { created: false; existingCustomerId: string };

export class CustomersRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(customerId: string): Promise<Customer | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.customer(customerId), ConsistentRead: true }),
    );
    return Item ? toCustomer(Item) : null;
  }

  async findIdByPhone(phone: string): Promise<string | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.phoneClaim(phone), ConsistentRead: true }),
    );
    return (Item?.customerId as string | undefined) ?? null;
  }

  async findByPhone(phone: string): Promise<Customer | null> {
    const customerId = await this.findIdByPhone(phone);
    return customerId ? this.get(customerId) : null;
  }

  /**
   * Creates the customer and claims the phone number in one transaction, so two concurrent
   * creations for one number cannot both succeed.
   */
  async create(
    input: Pick<Customer, 'firstName' | 'lastName' | 'phone' | 'email'>,
    now: string,
  ): Promise<CreateCustomerOutcome> {
    const customer: Customer = {
      customerId: newId('cus'),
      firstName: input.firstName,
      lastName: input.lastName,
      phone: input.phone,
      ...(input.email ? { email: input.email } : {}),
      reminderConsent: false,
      remindersOptedOut: false,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.phoneClaim(input.phone), customerId: customer.customerId, createdAt: now },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.customer(customer.customerId), ...customer },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { created: true, customer };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const existingCustomerId = await this.findIdByPhone(input.phone);
        if (existingCustomerId) return { created: false, existingCustomerId };
      }
      throw error;
    }
  }

  /**
   * Records the customer's answer about automated reminder calls, with the call it was given in
   * (CMP-02). Consent clears an earlier opt-out; a refusal or opt-out wins over earlier consent.
   */
  async setReminderPreference(
    customerId: string,
    consent: boolean,
    now: string,
    evidence: { callSid?: string } = {},
  ): Promise<void> {
    const callSid = evidence.callSid ? { ':callSid': evidence.callSid } : {};
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.customer(customerId),
        ConditionExpression: 'attribute_exists(pk)',
        UpdateExpression: consent
          ? `SET reminderConsent = :true, reminderConsentAt = :now, remindersOptedOut = :false, updatedAt = :now${evidence.callSid ? ', reminderConsentCallSid = :callSid' : ''} REMOVE remindersOptedOutAt`
          : `SET reminderConsent = :false, remindersOptedOut = :true, remindersOptedOutAt = :now, updatedAt = :now${evidence.callSid ? ', reminderConsentCallSid = :callSid' : ''}`,
        ExpressionAttributeValues: { ':true': true, ':false': false, ':now': now, ...callSid },
      }),
    );
  }
}

function toCustomer(item: Record<string, unknown>): Customer {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Customer;
}
