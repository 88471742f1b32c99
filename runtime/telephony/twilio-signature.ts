/**
 * Twilio request signing, always checked against the public URL Twilio called (the server sits
 * behind CloudFront/ALB, so the URL it sees is never the signed one).
 */
import twilio from 'twilio';

export function publicUrl(publicBaseUrl: string, path: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${path}`;
}

/** The media stream URL exactly as written into the TwiML (and signed on the upgrade). */
export function mediaStreamUrl(publicBaseUrl: string, path = '/twilio/media'): string {
  return publicUrl(publicBaseUrl, path)
    .replace(/^https:/, 'wss:')
    .replace(/^http:/, 'ws:');
}

export function isValidWebhook(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, unknown>,
): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** The websocket upgrade is a GET signed over the wss:// URL with no parameters. */
export function isValidStreamUpgrade(
  authToken: string,
  signature: string | undefined,
  streamUrl: string,
): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, streamUrl, {});
}
