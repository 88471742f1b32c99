import { normalizePhone } from '../../domain/phone';
import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { customerProfile } from '../present';
import { sameName } from './same-name';

const NOT_FOUND_OTHER = 'I could not find a customer record matching that phone number and last name.';

export const lookupCustomer = defineTool({
  name: 'lookup_customer',
  description:
    "Find the caller's customer record, vehicles and upcoming appointments. Call it with no arguments to use " +
    'the number they are calling from. Only if the caller says their record is under another phone number, ' +
    'pass that phone_number together with the last_name on the record.',
  requiresCustomer: false,
  parameters: () =>
    z.strictObject({
      phone_number: z
        .optional(z.string().check(z.minLength(7), z.maxLength(32)))
        .check(z.describe('Another phone number the record is under, as the caller says it')),
      last_name: z
        .optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(60)))
        .check(z.describe('The last name on the record; required with phone_number')),
    }),
  async execute(args, { session, deps }) {
    const otherPhone = args.phone_number ? normalizePhone(args.phone_number) : null;
    if (args.phone_number && !otherPhone) {
      throw new ToolFailure('INVALID_ARGUMENT', 'That does not look like a valid phone number.', {
        field: 'phone_number',
      });
    }
    let customer: Awaited<ReturnType<typeof deps.customers.findByPhone>>;
    if (otherPhone && otherPhone !== session.callerPhone) {
      if (!args.last_name) {
        throw new ToolFailure(
          'INVALID_ARGUMENT',
          'To look up a record under another number I also need the last name on that record.',
          { field: 'last_name' },
        );
      }
      customer = await deps.customers.findByPhone(otherPhone);
      // The same answer whether the number is unknown or the name is wrong: reveal nothing.
      if (!customer || !sameName(customer.lastName, args.last_name))
        throw new ToolFailure('NOT_FOUND', NOT_FOUND_OTHER);
    } else {
      if (!session.callerPhone) {
        throw new ToolFailure(
          'NOT_FOUND',
          "The caller's number is withheld, so I cannot look them up by caller ID; ask for the phone number and last name on the record.",
        );
      }
      customer = await deps.customers.findByPhone(session.callerPhone);
      if (!customer)
        throw new ToolFailure('NOT_FOUND', 'There is no customer record for the number the caller is using.');
    }
    return { result: await customerProfile(customer, deps), bindCustomerId: customer.customerId };
  },
});
