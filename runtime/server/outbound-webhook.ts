/**
 * The answer to a reminder call the dialer placed (`/twilio/outbound?appointmentId=…`, signed like
 * every webhook). Twilio's synchronous answering-machine detection puts `AnsweredBy` on this very
 * request: a person gets the assistant, a machine gets a short voicemail after the beep.
 */
import type { FastifyInstance } from 'fastify';
import { findReminderContext, voicemailMessage } from '../conversation/caller-context';
import { normalizePhone } from '../domain/phone';
import { mediaStreamUrl } from '../telephony/twilio-signature';
import { connectStreamTwiml, hangUpTwiml, voicemailTwiml } from '../telephony/twiml';
import * as z from '../zod';
import type { CallRegistry } from './call-registry';
import type { ServerConfig } from './config';
import type { ServerDependencies } from './dependencies';
import type { FailureAnswer, SignedPreHandler } from './twilio-webhooks';

const outboundSchema = z.object({
  CallSid: z.string().check(z.regex(/^CA[0-9a-f]{32}$/i)),
  AccountSid: z.string().check(z.regex(/^AC[0-9a-f]{32}$/i)),
  To: z.string().check(z.maxLength(64)),
  AnsweredBy: z.optional(z.string().check(z.maxLength(32))),
});
const outboundQuery = z.object({ appointmentId: z.string().check(z.regex(/^apt_[0-9A-Z]{10}$/)) });

export function registerOutboundWebhook(
  app: FastifyInstance,
  config: ServerConfig,
  deps: ServerDependencies,
  registry: CallRegistry,
  options: {
    signed: SignedPreHandler;
    streamAction: string;
    streamStatus: string;
    answerOnFailure: FailureAnswer;
  },
): void {
  // A reminder that cannot be handled ends quietly; its status callback records the call.
  const errorHandler = options.answerOnFailure(hangUpTwiml);
  app.post('/twilio/outbound', { preHandler: options.signed, errorHandler }, async (request, reply) => {
    const form = outboundSchema.safeParse(request.body);
    const query = outboundQuery.safeParse(request.query);
    if (!form.success || !query.success || form.data.AccountSid !== config.twilio.accountSid) {
      request.log.warn({ route: '/twilio/outbound' }, 'webhook refused: unexpected parameters or account');
      return reply.code(400).type('text/plain').send('unexpected webhook parameters');
    }
    const { CallSid, AnsweredBy } = form.data;
    const { appointmentId } = query.data;
    const customerPhone = normalizePhone(form.data.To);
    const xml = (twiml: string) => reply.type('text/xml').send(twiml);
    request.log.info({ callSid: CallSid, answeredBy: AnsweredBy ?? 'unknown' }, 'reminder call answered');
    if (AnsweredBy === 'fax' || !customerPhone) return xml(hangUpTwiml());
    if (AnsweredBy?.startsWith('machine')) {
      const context = await findReminderContext(
        deps.invoker,
        { shopId: config.shop.shopId, callSid: CallSid, callerPhone: customerPhone, customerId: null },
        appointmentId,
      );
      return xml(context ? voicemailTwiml(voicemailMessage(config.shop, context)) : hangUpTwiml());
    }
    // A person (or AMD could not tell): the assistant takes the call, if there is room for it.
    const refusal = registry.refusal();
    if (refusal) {
      request.log.warn({ callSid: CallSid, refusal }, 'reminder call refused: hung up');
      return xml(hangUpTwiml());
    }
    const token = await deps.calls.mintStreamToken({
      callSid: CallSid,
      callerPhone: customerPhone,
      direction: 'outbound',
      appointmentId,
    });
    if (!token) return xml(hangUpTwiml());
    return xml(
      connectStreamTwiml(
        mediaStreamUrl(config.publicBaseUrl),
        { token, direction: 'outbound' },
        { action: options.streamAction, statusCallback: options.streamStatus },
      ),
    );
  });
}
