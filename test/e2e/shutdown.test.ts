/**
 * Deploys and scale-in must not drop live calls (RES-03): on shutdown the server reports unhealthy,
 * refuses new calls, lets live calls finish, and hands each call still running at the deadline to
 * the shop by REST update. While calls are live, the task asks ECS for scale-in protection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain } from '../../runtime/server/shutdown';
import { protectTaskWhileBusy } from '../../runtime/server/task-protection';
import { type E2e, eventually, PUBLIC_BASE_URL, startE2e } from './harness';

let e2e: E2e;
let agent: Server;
const protection: { ProtectionEnabled: boolean; ExpiresInMinutes?: number }[] = [];

beforeAll(async () => {
  e2e = await startE2e();
  // The ECS agent's task-protection endpoint, as Fargate exposes it in ECS_AGENT_URI.
  agent = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.method === 'PUT' && req.url === '/task-protection/v1/state') protection.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"protection":{}}');
    });
  });
  await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
  protectTaskWhileBusy(e2e.server.registry, e2e.server.app.log as never, {
    agentUri: `http://127.0.0.1:${(agent.address() as AddressInfo).port}`,
    expiresInMinutes: 30,
  });
});
afterAll(async () => {
  await e2e?.close();
  agent?.closeAllConnections();
  await new Promise((resolve) => agent?.close(resolve));
});

describe('shutdown with calls in progress', () => {
  it('protects the task while calls are live, then drains: the finished call ends normally, the rest go to the shop', async () => {
    e2e.openai.setScript(() => ({ kind: 'text', text: 'Okay.' }));
    const leaving = await e2e.startCall({ from: '+12175550701' });
    const staying = await e2e.startCall({ from: '+12175550702' });
    await Promise.all([leaving, staying].map((call) => call.waitForHeard(/How can I help/)));
    await eventually('protection on', () => protection.at(-1)?.ProtectionEnabled === true);
    expect(protection.at(-1)).toEqual({ ProtectionEnabled: true, ExpiresInMinutes: 30 });

    const drained = drain(e2e.server, e2e.server.app.log as never, { deadlineMs: 1500, pollMs: 50 });
    const health = await fetch(`${e2e.baseUrl}/healthz`);
    expect(health.status).toBe(503);
    const refused = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/voice`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/voice`,
      params: {
        CallSid: `CA${'7'.repeat(32)}`,
        AccountSid: e2e.twilio.accountSid,
        From: '+12175550703',
        To: '+12175550142',
        CallStatus: 'ringing',
        Direction: 'inbound',
      },
    });
    expect(refused.body).not.toContain('<Stream');
    expect(refused.body).toContain('<Dial>');

    await leaving.hangup();
    await drained;
    await staying.closed;
    const updates = (sid: string) =>
      e2e.twilio.restRequests.filter((r) => r.method === 'POST' && r.path.endsWith(`/Calls/${sid}.json`));
    expect(updates(leaving.callSid)).toEqual([]);
    expect(updates(staying.callSid)[0]?.params.Twiml).toMatch(
      /<Say>I'm sorry, I have to pass your call on.*<\/Say><Dial/,
    );
    await eventually('protection off', () => protection.at(-1)?.ProtectionEnabled === false);
  });
});
