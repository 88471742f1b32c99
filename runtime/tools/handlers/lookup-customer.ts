import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { customerProfile } from '../present';

/**
 * The caller ID is the only identity a call has (SEC-10): a record is found by the number calling,
 * never by a number or name the caller says, which anyone who knows them could say too.
 */
export const lookupCustomer = defineTool({
  name: 'lookup_customer',
  description:
    "Find the caller's customer record, vehicles and upcoming appointments by the number they are calling " +
    'from. A record under another number cannot be used on this call: offer to book under the number they ' +
    'are calling from (a new record) or to transfer them to the shop.',
  requiresCustomer: false,
  parameters: () => z.strictObject({}),
  async execute(_args, { session, deps }) {
    if (!session.callerPhone) {
      throw new ToolFailure(
        'NOT_FOUND',
        "The caller's number is withheld, so no record can be used on this call; offer a new record for a booking, or the shop.",
      );
    }
    const customer = await deps.customers.findByPhone(session.callerPhone);
    if (!customer)
      throw new ToolFailure('NOT_FOUND', 'There is no customer record for the number the caller is using.');
    return { result: await customerProfile(customer, deps), bindCustomerId: customer.customerId };
  },
});
