/** Every TwiML document the server answers with, built with the twilio SDK's VoiceResponse. */
import twilio from 'twilio';

/** How long the shop's phone rings before the caller hears the fallback. */
const TRANSFER_RING_SECONDS = 25;

export const TRANSFER_FALLBACK_MESSAGE =
  "I'm sorry, nobody at the shop could pick up right now. Please call back during opening hours. Goodbye.";

export function connectStreamTwiml(
  streamUrl: string,
  parameters: Record<string, string>,
  options: { action?: string; announcement?: string; statusCallback?: string } = {},
): string {
  const response = new twilio.twiml.VoiceResponse();
  if (options.announcement) response.say(options.announcement);
  const connect = response.connect(options.action ? { action: options.action, method: 'POST' } : {});
  const stream = connect.stream({
    url: streamUrl,
    ...(options.statusCallback
      ? { statusCallback: options.statusCallback, statusCallbackMethod: 'POST' as const }
      : {}),
  });
  for (const [name, value] of Object.entries(parameters)) stream.parameter({ name, value });
  return response.toString();
}

/** Said when the assistant cannot take the call: hand it to a person instead of failing. */
export function fallbackTwiml(message: string, transferNumber: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.dial(transferNumber);
  return response.toString();
}

/**
 * Dials the shop. Twilio posts the outcome to `action`; only an unanswered transfer gets the
 * fallback message (a <Say> after <Dial> would also play after a finished conversation).
 */
export function transferTwiml(to: string, action: string, announcement?: string): string {
  const response = new twilio.twiml.VoiceResponse();
  if (announcement) response.say(announcement);
  response.dial({ timeout: TRANSFER_RING_SECONDS, action, method: 'POST' }, to);
  return response.toString();
}

/** The answer to the transfer's outcome: apologise when nobody picked up, else just end. */
export function transferOutcomeTwiml(dialCallStatus: string | undefined): string {
  const response = new twilio.twiml.VoiceResponse();
  if (dialCallStatus !== 'completed' && dialCallStatus !== 'answered')
    response.say(TRANSFER_FALLBACK_MESSAGE);
  response.hangup();
  return response.toString();
}

export function hangUpTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
}

/** A message left on an answering machine: Twilio waited for the beep (DetectMessageEnd). */
export function voicemailTwiml(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}
