import { beforeAll, describe, expect, it } from 'vitest';
import { createToolHarness, expectOk, type ToolHarness } from '../support/tool-harness';

let h: ToolHarness;
beforeAll(async () => {
  h = await createToolHarness();
});

describe('lookup_customer and create_customer', () => {
  it('finds nobody for an unknown caller ID and binds nothing', async () => {
    const result = await h.call('lookup_customer', {}, h.session({ callerPhone: '+12175550001' }));
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' }, session: { customerId: null } });
  });

  it('creates a customer with the caller ID as phone, binds the call, and finds them next call', async () => {
    const session = h.session({ callerPhone: '+12175550002' });
    const created = await h.call('create_customer', { first_name: 'Marge', last_name: 'Simpson' }, session);
    const body = expectOk(created);
    expect(body.created).toBe(true);
    expect(body.customer).toMatchObject({ first_name: 'Marge', last_name: 'Simpson', phone_ending: '0002' });
    expect(created.session.customerId).toBe(body.customer.customer_id);

    const next = await h.call('lookup_customer', {}, h.session({ callerPhone: '+12175550002' }));
    expect(expectOk(next).customer.customer_id).toBe(body.customer.customer_id);
    expect(next.session.customerId).toBe(body.customer.customer_id);
    expect(expectOk(next)).toMatchObject({ vehicles: [], upcoming_appointments: [] });
  });

  it('normalises a spoken phone number to E.164', async () => {
    const session = h.session({ callerPhone: null });
    const created = await h.call(
      'create_customer',
      { first_name: 'Ned', last_name: 'Flanders', phone_number: '(217) 555-0003' },
      session,
    );
    expect(expectOk(created).customer.phone_ending).toBe('0003');
    const found = await h.call('lookup_customer', {}, h.session({ callerPhone: '+12175550003' }));
    expect(expectOk(found).customer.last_name).toBe('Flanders');
  });

  it('does not duplicate an existing phone: the caller’s own number binds the existing record', async () => {
    const session = h.session({ callerPhone: '+12175550004' });
    const first = expectOk(
      await h.call('create_customer', { first_name: 'Homer', last_name: 'Simpson' }, session),
    );
    const again = await h.call(
      'create_customer',
      { first_name: 'Homer', last_name: 'Simpson' },
      h.session({ callerPhone: '+12175550004' }),
    );
    expect(expectOk(again)).toMatchObject({ created: false, already_existed: true });
    expect(expectOk(again).customer.customer_id).toBe(first.customer.customer_id);
  });

  it('refuses to bind someone else’s number without the right last name, revealing nothing', async () => {
    await h.call(
      'create_customer',
      { first_name: 'Lisa', last_name: 'Simpson' },
      h.session({ callerPhone: '+12175550005' }),
    );
    const stranger = h.session({ callerPhone: '+12175550666' });
    const taken = await h.call(
      'create_customer',
      { first_name: 'Bart', last_name: 'Impostor', phone_number: '+12175550005' },
      stranger,
    );
    expect(taken).toMatchObject({
      ok: false,
      error: { code: 'ALREADY_EXISTS' },
      session: { customerId: null },
    });
    expect(JSON.stringify(taken)).not.toContain('Lisa');
    // Knowing the name on the record is no proof either (SEC-10): the record stays unbound.
    const sameName = await h.call(
      'create_customer',
      { first_name: 'Lisa', last_name: 'Simpson', phone_number: '+12175550005' },
      stranger,
    );
    expect(sameName).toMatchObject({
      ok: false,
      error: { code: 'ALREADY_EXISTS' },
      session: { customerId: null },
    });
    expect(JSON.stringify(sameName)).not.toMatch(/customer_id|vehicles|appointments/);
  });

  it('never looks a record up by a number the model passes, even with the right last name (SEC-10)', async () => {
    await h.call(
      'create_customer',
      { first_name: 'Moe', last_name: 'Szyslak' },
      h.session({ callerPhone: '+12175550006' }),
    );
    const stranger = h.session({ callerPhone: '+12175550777' });
    const attempt = await h.call(
      'lookup_customer',
      { phone_number: '+12175550006', last_name: 'Szyslak' },
      stranger,
    );
    expect(attempt).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'phone_number' },
      session: { customerId: null },
    });
    expect(JSON.stringify(attempt)).not.toMatch(/Moe|0006/);
    expect(await h.call('lookup_customer', {}, stranger)).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('rejects malformed arguments with INVALID_ARGUMENT naming the field', async () => {
    const badPhone = await h.call(
      'create_customer',
      { first_name: 'A', last_name: 'X', phone_number: 'not a phone' },
      h.session(),
    );
    expect(badPhone).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'phone_number' } });
    const badName = await h.call('create_customer', { first_name: 42, last_name: 'X' }, h.session());
    expect(badName).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'first_name' } });
    const extra = await h.call(
      'create_customer',
      { first_name: 'A', last_name: 'B', customer_id: 'x' },
      h.session(),
    );
    expect(extra).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'customer_id' } });
    const badEmail = await h.call(
      'create_customer',
      { first_name: 'A', last_name: 'B', email: 'nope' },
      h.session(),
    );
    expect(badEmail).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'email' } });
  });

  it('cannot look up by caller ID when the number is withheld', async () => {
    const result = await h.call('lookup_customer', {}, h.session({ callerPhone: null }));
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
