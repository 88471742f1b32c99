import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { ConfirmationGate, type GateContext } from '../../runtime/conversation/confirmation-gate';
import { exampleShop } from '../support/tool-harness';

const shop = exampleShop();
const appointment = {
  appointment_id: 'apt_7K3M9Q2XAB',
  service: 'oil change',
  spoken: 'Friday, December 4 at 9:00 AM',
};

function context(callerTurns: number): GateContext {
  return {
    callerTurns,
    shop,
    now: Temporal.Instant.from('2026-12-01T16:00:00Z'),
    upcoming: async () => [appointment],
  };
}

async function tokenFor(
  gate: ConfirmationGate,
  args: Record<string, unknown>,
  turn: number,
): Promise<string> {
  const decision = await gate.check('cancel_appointment', args, context(turn));
  if (decision.action !== 'answer') throw new Error('expected a summary');
  return (decision.result.confirmation as { confirmation_token: string }).confirmation_token;
}

describe('ConfirmationGate', () => {
  it('answers the first call with a summary and a token, and acts only on a later caller turn', async () => {
    const gate = new ConfirmationGate();
    const first = await gate.check(
      'cancel_appointment',
      { appointment_id: appointment.appointment_id },
      context(1),
    );
    expect(first).toMatchObject({
      action: 'answer',
      result: {
        error: { code: 'CONFIRMATION_REQUIRED' },
        confirmation: { summary: 'Cancel the oil change on Friday, December 4 at 9:00 AM.' },
      },
    });
    const token = (first as { result: { confirmation: { confirmation_token: string } } }).result.confirmation
      .confirmation_token;
    const args = { appointment_id: appointment.appointment_id, confirmation_token: token };
    expect(await gate.check('cancel_appointment', args, context(1))).toMatchObject({
      result: { error: { code: 'CONFIRMATION_NOT_HEARD' } },
    });
    expect(await gate.check('cancel_appointment', args, context(2))).toEqual({
      action: 'execute',
      arguments: { appointment_id: appointment.appointment_id },
    });
    // Single use.
    expect(await gate.check('cancel_appointment', args, context(3))).toMatchObject({
      result: { error: { code: 'CONFIRMATION_INVALID' } },
    });
  });

  it('refuses a token confirmed for other details', async () => {
    const gate = new ConfirmationGate();
    const token = await tokenFor(gate, { appointment_id: appointment.appointment_id }, 1);
    const moved = await gate.check(
      'reschedule_appointment',
      {
        appointment_id: appointment.appointment_id,
        new_start_time: '2026-12-04T10:00',
        confirmation_token: token,
      },
      context(2),
    );
    expect(moved).toMatchObject({ result: { error: { code: 'CONFIRMATION_INVALID' } } });
  });

  it('allows one cancellation and two reschedules per call', async () => {
    const gate = new ConfirmationGate();
    gate.executed('cancel_appointment');
    expect(
      await gate.check('cancel_appointment', { appointment_id: appointment.appointment_id }, context(1)),
    ).toMatchObject({
      result: { error: { code: 'LIMIT_REACHED' } },
    });
    gate.executed('reschedule_appointment');
    gate.executed('reschedule_appointment');
    expect(
      await gate.check(
        'reschedule_appointment',
        { appointment_id: appointment.appointment_id, new_start_time: '2026-12-04T10:00' },
        context(1),
      ),
    ).toMatchObject({ result: { error: { code: 'LIMIT_REACHED' } } });
  });

  it('carries its counts over to the gate of a resumed stream', async () => {
    const before = new ConfirmationGate();
    before.executed('cancel_appointment');
    before.executed('reschedule_appointment');
    const saved = before.snapshot();
    expect(saved).toEqual({ cancellations: 1, reschedules: 1 });

    const resumed = new ConfirmationGate();
    resumed.restore(saved);
    expect(resumed.snapshot()).toEqual(saved);
    const cancel = { appointment_id: appointment.appointment_id };
    expect(await resumed.check('cancel_appointment', cancel, context(1))).toMatchObject({
      result: { error: { code: 'LIMIT_REACHED' } },
    });
    const move = { appointment_id: appointment.appointment_id, new_start_time: '2026-12-04T10:00' };
    expect(await resumed.check('reschedule_appointment', move, context(1))).toMatchObject({
      result: { error: { code: 'CONFIRMATION_REQUIRED' } },
    });
  });

  it('lets a call about an unknown appointment through, so the tool answers NOT_FOUND like for any id', async () => {
    const gate = new ConfirmationGate();
    expect(await gate.check('cancel_appointment', { appointment_id: 'apt_0000000000' }, context(1))).toEqual({
      action: 'execute',
      arguments: { appointment_id: 'apt_0000000000' },
    });
  });

  it('shows the model the confirmation token on the gated tools only', () => {
    const specs = ConfirmationGate.decorate([
      {
        type: 'function',
        function: {
          name: 'cancel_appointment',
          description: '',
          parameters: { type: 'object', properties: {} },
        },
      },
      {
        type: 'function',
        function: { name: 'decode_vin', description: '', parameters: { type: 'object', properties: {} } },
      },
    ]);
    expect(Object.keys((specs[0]!.function.parameters as { properties: object }).properties)).toEqual([
      'confirmation_token',
    ]);
    expect((specs[1]!.function.parameters as { properties: object }).properties).toEqual({});
  });
});
