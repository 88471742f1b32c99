/**
 * Twilio's HTTP webhooks. Every one is signature-checked against the public URL Twilio called —
 * path and query string — before anything else happens (SEC-01); the answer to a forged request is
 * 403 and no side effect. Status callbacks take effect once however often they are delivered (SEC-06).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizePhone } from '../domain/phone';
import { reminderCallOutcomeSchema } from '../reminders/call-outcome';
import { isValidWebhook, mediaStreamUrl, publicUrl } from '../telephony/twilio-signature';
import {
  connectStreamTwiml,
  fallbackTwiml,
  hangUpTwiml,
  transferOutcomeTwiml,
  transferTwiml,
} from '../telephony/twiml';
import * as z from '../zod';
import type { CallRegistry } from './call-registry';
import type { ServerConfig } from './config';
import type { ServerDependencies } from './dependencies';
import { registerOutboundWebhook } from './outbound-webhook';

const callSid = z.string().check(z.regex(/^CA[0-9a-f]{32}$/i));
const accountSid = z.string().check(z.regex(/^AC[0-9a-f]{32}$/i));

const voiceWebhookSchema = z.object({
  CallSid: callSid,
  AccountSid: accountSid,
  From: z.optional(z.string().check(z.maxLength(64))),
  To: z.optional(z.string().check(z.maxLength(64))),
  Direction: z.optional(z.string().check(z.maxLength(32))),
});

const statusWebhookSchema = z.object({
  CallSid: callSid,
  CallStatus: z.string().check(z.maxLength(32)),
  CallDuration: z.optional(z.coerce.number().check(z.int(), z.gte(0))),
  SequenceNumber: z.optional(z.string().check(z.maxLength(10))),
  AnsweredBy: z.optional(z.string().check(z.maxLength(32))),
});

const appointmentQuery = z.object({
  appointmentId: z.optional(z.string().check(z.regex(/^apt_[0-9A-Z]{10}$/))),
});

const streamEndedSchema = z.object({ CallSid: callSid, AccountSid: accountSid });

const streamStatusSchema = z.object({
  CallSid: callSid,
  AccountSid: accountSid,
  StreamSid: z.optional(z.string().check(z.maxLength(64))),
  StreamEvent: z.enum(['stream-started', 'stream-stopped', 'stream-error']),
  StreamError: z.optional(z.string()),
});

const transferStatusSchema = z.object({
  CallSid: callSid,
  DialCallStatus: z.optional(z.string().check(z.maxLength(32))),
});

export const BUSY_MESSAGE =
  'Thanks for calling. All our lines are busy right now, so let me connect you to the shop.';
const UNAVAILABLE_MESSAGE =
  'Thanks for calling. Our assistant is not available right now, so let me connect you to the shop.';
const RECONNECTING_MESSAGE = 'Sorry about that, one moment please.';
const DROPPED_MESSAGE = "I'm sorry, we lost the line for a moment. Let me connect you to the shop.";
/** A dropped stream is resumed once; a second drop goes to the shop. */
const MAX_RECONNECTS = 1;

export type FailureAnswer = (
  twiml: () => string,
) => (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply;

export type SignedPreHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
) => void;

export function registerTwilioWebhooks(
  app: FastifyInstance,
  config: ServerConfig,
  deps: ServerDependencies,
  registry: CallRegistry,
): void {
  const signed: SignedPreHandler = (request, reply, done) => {
    const params = (request.body ?? {}) as Record<string, unknown>;
    const signature = request.headers['x-twilio-signature'];
    // request.url is the path and query exactly as Twilio sent them, which is what it signed.
    const url = publicUrl(config.publicBaseUrl, request.url);
    const valid =
      config.providersConfigured &&
      isValidWebhook(
        config.twilio.authToken,
        typeof signature === 'string' ? signature : undefined,
        url,
        params,
      );
    if (valid) return done();
    // Without configured keys nothing can be verified; a real call still gets a way to the shop.
    if (!config.providersConfigured && request.routeOptions.url === '/twilio/voice') {
      request.log.error('provider keys are not configured; handing the call to the shop');
      reply.type('text/xml').send(fallbackTwiml(UNAVAILABLE_MESSAGE, config.shop.transferNumber));
      return;
    }
    // A wrong auth token or PUBLIC_BASE_URL rejects every call: the line says which route, no more.
    request.log.warn({ route: request.routeOptions.url }, 'webhook refused: Twilio signature invalid');
    reply.code(403).type('text/plain').send('Twilio request validation failed');
  };
  // A webhook that fails (the calls table unreachable, say) still answers in TwiML: Twilio would
  // otherwise play its "application error" and hang up on the caller.
  const answerOnFailure =
    (twiml: () => string) => (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if ((error.statusCode ?? 500) < 500) return reply.send(error);
      request.log.error(
        { err: { name: error.name }, route: request.routeOptions.url },
        'webhook failed: answering with the fallback',
      );
      return reply.code(200).type('text/xml').send(twiml());
    };
  const toTheShop = answerOnFailure(() => fallbackTwiml(UNAVAILABLE_MESSAGE, config.shop.transferNumber));
  const badRequest = (reply: FastifyReply) => {
    // Also a foreign AccountSid: a secret holding another (sub)account's SID refuses every call.
    reply.request.log.warn(
      { route: reply.request.routeOptions.url },
      'webhook refused: unexpected parameters or account',
    );
    return reply.code(400).type('text/plain').send('unexpected webhook parameters');
  };
  const streamAction = `${config.publicBaseUrl}/twilio/stream-ended`;
  const streamStatus = `${config.publicBaseUrl}/twilio/stream-status`;
  const transferAction = `${config.publicBaseUrl}/twilio/transfer-status`;

  app.post('/twilio/voice', { preHandler: signed, errorHandler: toTheShop }, async (request, reply) => {
    const form = voiceWebhookSchema.safeParse(request.body);
    if (!form.success || form.data.AccountSid !== config.twilio.accountSid) return badRequest(reply);
    const callerPhone = form.data.From ? normalizePhone(form.data.From) : null;
    const refusal = registry.refusal(callerPhone);
    if (refusal) {
      request.log.warn({ callSid: form.data.CallSid, refusal }, 'call refused: handed to the shop');
      return reply.type('text/xml').send(fallbackTwiml(BUSY_MESSAGE, config.shop.transferNumber));
    }
    const token = await deps.calls.mintStreamToken({
      callSid: form.data.CallSid,
      callerPhone,
      direction: 'inbound',
    });
    if (!token) {
      // The call already has its stream: this is a replay, not Twilio.
      request.log.warn({ callSid: form.data.CallSid }, 'voice webhook replayed for a call already streaming');
      return reply.type('text/xml').send(hangUpTwiml());
    }
    const twiml = connectStreamTwiml(
      mediaStreamUrl(config.publicBaseUrl),
      { token, direction: 'inbound' },
      { action: streamAction, statusCallback: streamStatus },
    );
    return reply.type('text/xml').send(twiml);
  });

  registerOutboundWebhook(app, config, deps, registry, {
    signed,
    streamAction,
    streamStatus,
    answerOnFailure,
  });

  // <Connect action>: the stream ended without the call ending (a dropped socket, a lost task).
  const droppedToTheShop = answerOnFailure(() =>
    transferTwiml(config.shop.transferNumber, transferAction, DROPPED_MESSAGE),
  );
  app.post(
    '/twilio/stream-ended',
    { preHandler: signed, errorHandler: droppedToTheShop },
    async (request, reply) => {
      const form = streamEndedSchema.safeParse(request.body);
      if (!form.success || form.data.AccountSid !== config.twilio.accountSid) return badRequest(reply);
      const state = await deps.calls.loadConversation(form.data.CallSid);
      if (state?.finished) return reply.type('text/xml').send(hangUpTwiml());
      const token = registry.isDraining
        ? null
        : await deps.calls.mintReconnectToken(form.data.CallSid, MAX_RECONNECTS);
      request.log.warn({ callSid: form.data.CallSid, resumed: token !== null }, 'media stream ended early');
      if (!token) {
        return reply
          .type('text/xml')
          .send(transferTwiml(config.shop.transferNumber, transferAction, DROPPED_MESSAGE));
      }
      const twiml = connectStreamTwiml(
        mediaStreamUrl(config.publicBaseUrl),
        { token, resumed: 'true' },
        { action: streamAction, statusCallback: streamStatus, announcement: RECONNECTING_MESSAGE },
      );
      return reply.type('text/xml').send(twiml);
    },
  );

  app.post('/twilio/status', { preHandler: signed }, async (request, reply) => {
    const form = statusWebhookSchema.safeParse(request.body);
    const query = appointmentQuery.safeParse(request.query);
    if (!form.success || !query.success) return badRequest(reply);
    const { CallSid, CallStatus, SequenceNumber, AnsweredBy, CallDuration } = form.data;
    // Keyed on what the callback says, not on a header a replayer could change.
    const first = await deps.calls.recordStatusOnce(
      CallSid,
      `status:${CallStatus}:${SequenceNumber ?? ''}:${AnsweredBy ?? ''}`,
      {
        status: CallStatus,
        at: deps.now().toString(),
        ...(CallDuration !== undefined ? { durationSeconds: CallDuration } : {}),
      },
    );
    if (!first) return reply.code(204).send();
    const appointmentId = query.data.appointmentId;
    if (appointmentId && deps.reminderOutcome) {
      const outcome = reminderCallOutcomeSchema.safeParse({
        appointmentId,
        callSid: CallSid,
        callStatus: CallStatus,
        ...(AnsweredBy ? { answeredBy: AnsweredBy } : {}),
      });
      if (!outcome.success) request.log.warn({ callSid: CallSid }, 'reminder status callback not understood');
      else {
        await deps
          .reminderOutcome(outcome.data)
          .catch((error: Error) =>
            request.log.error(
              { err: { name: error.name }, callSid: CallSid },
              'reminder outcome not recorded',
            ),
          );
      }
    }
    return reply.code(204).send();
  });

  // <Stream statusCallback>: stream-started/stopped/error, kept on the call record (RES-01, RES-13).
  app.post('/twilio/stream-status', { preHandler: signed }, async (request, reply) => {
    const form = streamStatusSchema.safeParse(request.body);
    if (!form.success || form.data.AccountSid !== config.twilio.accountSid) return badRequest(reply);
    const { CallSid, StreamSid, StreamEvent, StreamError } = form.data;
    const first = await deps.calls.recordStatusOnce(
      CallSid,
      `stream:${StreamSid ?? ''}:${StreamEvent}`,
      {
        status: StreamEvent,
        at: deps.now().toString(),
        // Twilio's error text (e.g. "31921 …") is kept on the record, never logged.
        ...(StreamError ? { detail: StreamError.slice(0, 200) } : {}),
      },
      'stream',
    );
    if (!first) return reply.code(204).send();
    if (StreamEvent === 'stream-error')
      request.log.warn({ callSid: CallSid }, 'media stream error reported by Twilio');
    return reply.code(204).send();
  });

  // Where a transfer's <Dial> reports back: only an unanswered transfer gets the fallback message.
  app.post('/twilio/transfer-status', { preHandler: signed }, async (request, reply) => {
    const form = transferStatusSchema.safeParse(request.body);
    if (!form.success) return badRequest(reply);
    request.log.info(
      { callSid: form.data.CallSid, dialCallStatus: form.data.DialCallStatus },
      'transfer finished',
    );
    return reply.type('text/xml').send(transferOutcomeTwiml(form.data.DialCallStatus));
  });
}
