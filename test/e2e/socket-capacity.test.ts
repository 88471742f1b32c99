/**
 * The ALB may send a call's media socket to another task than the one whose webhook accepted the
 * call: the socket's task checks its own limits again (capacity, draining, calls per caller) and
 * hands a call it cannot carry to the shop, as the webhook would have.
 */
import { describe, expect, it } from 'vitest';
import type { E2e } from './harness';
import { eventually } from './harness';
import { GREETING, mintToken, RawSocket, useMediaE2e } from './media-socket-support';

let e2e: E2e;
useMediaE2e((started) => {
  e2e = started;
});

describe('limits on the task that carries the socket', () => {
  it('a socket arriving past the per-caller limit is handed to the shop with the busy line, not started', async () => {
    // mintToken's webhook comes from +12175550123: accepted while that caller has no calls here.
    const late = await RawSocket.open();
    const token = await mintToken(late.callSid);
    const calls = await Promise.all([1, 2].map(() => e2e.startCall({ from: '+12175550123' })));
    await Promise.all(calls.map((call) => call.waitForHeard(GREETING)));

    await late.json(late.startMessage(token));
    expect(await late.closed).toBe(1013);
    const handOff = await eventually('the busy hand-off', () =>
      e2e.twilio.restRequests.find((r) => r.path.endsWith(`/Calls/${late.callSid}.json`)),
    );
    expect(handOff.params.Twiml).toMatch(/<Say>Thanks for calling\. All our lines are busy.*<\/Say><Dial/);
    expect(late.received.filter((m) => m.event === 'media')).toEqual([]);
    expect(e2e.server.registry.size).toBe(2);
    await Promise.all(calls.map((call) => call.hangup()));
  });
});
