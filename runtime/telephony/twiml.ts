import twilio from 'twilio';

export function connectStreamTwiml(streamUrl: string, parameters: Record<string, string>): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({ url: streamUrl });
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

export function rejectTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.reject();
  return response.toString();
}
