/**
 * Twilio's HTTP webhooks. Every one is signature-checked against the public URL before anything
 * else happens (SEC-01); the answer to a forged request is 403 and no side effect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { normalizePhone } from '../domain/phone';
import { isValidWebhook, mediaStreamUrl, publicUrl } from '../telephony/twilio-signature';
import { connectStreamTwiml, fallbackTwiml, transferOutcomeTwiml } from '../telephony/twiml';
import type { CallRegistry } from './call-registry';
import type { ServerConfig } from './config';
import type { ServerDependencies } from './dependencies';

const voiceWebhookSchema = z.object({
  CallSid: z.string().regex(/^CA[0-9a-f]{32}$/i),
  AccountSid: z.string().regex(/^AC[0-9a-f]{32}$/i),
  From: z.string().max(64).optional(),
  To: z.string().max(64).optional(),
  Direction: z.string().max(32).optional(),
});

const statusWebhookSchema = z.object({
  CallSid: z.string().regex(/^CA[0-9a-f]{32}$/i),
  CallStatus: z.string().max(32),
  CallDuration: z.coerce.number().int().min(0).optional(),
});

const transferStatusSchema = z.object({
  CallSid: z.string().regex(/^CA[0-9a-f]{32}$/i),
  DialCallStatus: z.string().max(32).optional(),
});

const BUSY_MESSAGE =
  'Thanks for calling. All our lines are busy right now, so let me connect you to the shop.';
const UNAVAILABLE_MESSAGE =
  'Thanks for calling. Our assistant is not available right now, so let me connect you to the shop.';

export function registerTwilioWebhooks(
  app: FastifyInstance,
  config: ServerConfig,
  deps: ServerDependencies,
  registry: CallRegistry,
): void {
  const signed =
    (path: string) =>
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      const params = (request.body ?? {}) as Record<string, unknown>;
      const signature = request.headers['x-twilio-signature'];
      if (
        !config.providersConfigured ||
        !isValidWebhook(
          config.twilio.authToken,
          typeof signature === 'string' ? signature : undefined,
          publicUrl(config.publicBaseUrl, path),
          params,
        )
      ) {
        // Without configured keys nothing can be verified; a real call still gets a way to the shop.
        if (!config.providersConfigured && path === '/twilio/voice') {
          request.log.error('provider keys are not configured; handing the call to the shop');
          reply.type('text/xml').send(fallbackTwiml(UNAVAILABLE_MESSAGE, config.shop.transferNumber));
          return;
        }
        reply.code(403).type('text/plain').send('Twilio request validation failed');
        return;
      }
      done();
    };

  app.post('/twilio/voice', { preHandler: signed('/twilio/voice') }, async (request, reply) => {
    const form = voiceWebhookSchema.safeParse(request.body);
    if (!form.success || form.data.AccountSid !== config.twilio.accountSid) {
      return reply.code(400).type('text/plain').send('unexpected webhook parameters');
    }
    if (!registry.canAcceptCall()) {
      request.log.warn({ callSid: form.data.CallSid }, 'call refused: at capacity or draining');
      return reply.type('text/xml').send(fallbackTwiml(BUSY_MESSAGE, config.shop.transferNumber));
    }
    const callerPhone = form.data.From ? normalizePhone(form.data.From) : null;
    const token = await deps.calls.mintStreamToken({
      callSid: form.data.CallSid,
      callerPhone,
      direction: 'inbound',
    });
    const twiml = connectStreamTwiml(mediaStreamUrl(config.publicBaseUrl), {
      token,
      direction: 'inbound',
      caller: callerPhone ?? 'anonymous',
    });
    return reply.type('text/xml').send(twiml);
  });

  app.post('/twilio/status', { preHandler: signed('/twilio/status') }, async (request, reply) => {
    const form = statusWebhookSchema.safeParse(request.body);
    if (!form.success) return reply.code(400).type('text/plain').send('unexpected webhook parameters');
    await deps.calls.recordStatus(form.data.CallSid, {
      status: form.data.CallStatus,
      at: deps.now().toString(),
      ...(form.data.CallDuration !== undefined ? { durationSeconds: form.data.CallDuration } : {}),
    });
    return reply.code(204).send();
  });

  // Where a transfer's <Dial> reports back: only an unanswered transfer gets the fallback message.
  app.post(
    '/twilio/transfer-status',
    { preHandler: signed('/twilio/transfer-status') },
    async (request, reply) => {
      const form = transferStatusSchema.safeParse(request.body);
      if (!form.success) return reply.code(400).type('text/plain').send('unexpected webhook parameters');
      request.log.info(
        { callSid: form.data.CallSid, dialCallStatus: form.data.DialCallStatus },
        'transfer finished',
      );
      return reply.type('text/xml').send(transferOutcomeTwiml(form.data.DialCallStatus));
    },
  );
}
