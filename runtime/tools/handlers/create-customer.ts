import { normalizePhone } from '../../domain/phone';
import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { customerProfile } from '../present';

const name = (what: string) =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1, `${what} is empty`),
      z.maxLength(60),
      z.regex(
        /^[\p{L}\p{M}' .-]+$/u,
        `${what} may only contain letters, spaces, apostrophes, dots and dashes`,
      ),
    );

export const createCustomer = defineTool({
  name: 'create_customer',
  description:
    'Create a customer record for a new caller, after lookup_customer found none. The phone number defaults to ' +
    'the number they are calling from; only pass phone_number if they want another number on file.',
  requiresCustomer: false,
  parameters: () =>
    z.strictObject({
      first_name: name('first_name'),
      last_name: name('last_name'),
      email: z.optional(z.email().check(z.maxLength(254))),
      phone_number: z.optional(z.string().check(z.minLength(7), z.maxLength(32))),
    }),
  async execute(args, { session, deps }) {
    const phone = args.phone_number ? normalizePhone(args.phone_number) : session.callerPhone;
    if (!phone) {
      throw new ToolFailure(
        'INVALID_ARGUMENT',
        args.phone_number
          ? 'That does not look like a valid phone number.'
          : 'The caller ID is withheld, so I need a phone number for the record.',
        { field: 'phone_number' },
      );
    }
    const now = deps.now().toString();
    const outcome = await deps.customers.create(
      {
        firstName: args.first_name,
        lastName: args.last_name,
        phone,
        ...(args.email ? { email: args.email } : {}),
      },
      now,
    );
    if (outcome.created) {
      return {
        result: { created: true, ...(await customerProfile(outcome.customer, deps)) },
        bindCustomerId: outcome.customer.customerId,
      };
    }
    // The number is taken. The record is the caller's only if it is their own caller ID; a name
    // matching is no proof (SEC-10), so a record under another number is not used on this call.
    const existing =
      phone === session.callerPhone ? await deps.customers.get(outcome.existingCustomerId) : null;
    if (existing) {
      return {
        result: { created: false, already_existed: true, ...(await customerProfile(existing, deps)) },
        bindCustomerId: existing.customerId,
      };
    }
    throw new ToolFailure(
      'ALREADY_EXISTS',
      'A record already exists for that phone number; it can only be used when they call from that number, so offer the shop instead.',
      { field: 'phone_number' },
    );
  },
});
