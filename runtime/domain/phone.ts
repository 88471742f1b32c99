import { isValidPhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js/core';
// The library's "min" numbering plans for every country without the formatting rules, which we
// never use (see scripts/phone-metadata.ts); the server and every Lambda read numbers the same way.
import { PHONE_METADATA } from './phone-metadata.generated';

/**
 * Normalises what a caller says or what Twilio sends ("(217) 555-0142", "+1 217 555 0142",
 * "2175550142") to E.164, or null when it is not a valid number. US is assumed for national
 * formats because the shops are in North America.
 */
export function normalizePhone(input: string, defaultCountry: 'US' | 'CA' = 'US'): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry, PHONE_METADATA);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}

/** Whether an E.164 number ("+12175550142") is a valid number in its country's numbering plan. */
export function isValidE164(phone: string): boolean {
  return isValidPhoneNumber(phone, PHONE_METADATA);
}

/** For logs and call records meant for operators: never more than the last four digits. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return 'unknown';
  const digits = phone.replace(/\D/g, '');
  return digits.length <= 4 ? '****' : `***${digits.slice(-4)}`;
}
