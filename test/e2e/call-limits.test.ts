/**
 * Per-call ceilings on spend (SEC-16): tool calls per call, and model tokens per call. Past them
 * the assistant stops acting and the caller goes to a person, instead of the bill running on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, startE2e } from './harness';
import { callTools, lastUserText, say, toolResultsOf } from './model-script';

let e2e: E2e;
beforeAll(async () => {
  e2e = await startE2e({ env: { MAX_TOOL_CALLS_PER_CALL: '2', MAX_TOKENS_PER_CALL: '10000' } });
});
afterAll(async () => e2e?.close());

describe('per-call ceilings', () => {
  it('refuses tool calls past the per-call ceiling', async () => {
    e2e.openai.setScript((request) => {
      if (/VIN/.test(lastUserText(request))) {
        return callTools(
          ...[1, 2, 3].map(() => ({ name: 'decode_vin', arguments: { vin: '1HGCM82633A004352' } })),
        );
      }
      const codes = toolResultsOf(request, 'decode_vin').map((r) => (r.ok ? 'ok' : r.error.code));
      return say(`Results: ${codes.join(', ')}.`);
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help/);
    await call.say('Check this VIN three times please.');
    await call.waitForHeard('Results: ok, ok, LIMIT_REACHED.', 8000);
    await call.hangup();
  });

  it('hands the call to the shop once the token ceiling is reached', async () => {
    e2e.openai.setScript(() => say('Sure.'));
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help/);
    let turns = 0;
    let open = true;
    void call.closed.then(() => {
      open = false;
    });
    while (open && turns < 12) {
      turns++;
      await call.say(`Question number ${turns}.`).catch(() => undefined);
      await call
        .waitForHeard(new RegExp(`(Sure\\.){${turns}}|connect you with someone`), 8000)
        .catch(() => undefined);
    }
    await call.closed;
    expect(call.heard()).toContain("We've covered a lot on this call.");
    const transfer = e2e.twilio.restRequests.find((r) => r.path.endsWith(`/Calls/${call.callSid}.json`));
    expect(transfer?.params.Twiml).toContain('<Dial');
    expect(turns).toBeLessThan(12);
  });
});
