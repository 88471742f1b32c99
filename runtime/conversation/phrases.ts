/**
 * The few lines the assistant says on its own, not from the model: fillers while tools run,
 * apologies, and the call-control announcements. Short, and varied so a caller who hears two
 * does not hear a recording.
 */
import type { ShopConfig } from '../config/shop-config';

const FILLERS = [
  'Let me check that for you.',
  'One moment while I look that up.',
  'Just a second.',
  'Let me take a look.',
  'Bear with me a moment.',
];

/** A rotation that starts at a random line, so calls do not all open with the same one. */
export function fillerRotation(random = Math.random): () => string {
  let next = Math.floor(random() * FILLERS.length);
  return () => FILLERS[next++ % FILLERS.length]!;
}

export const PHRASES = {
  apology: "I'm sorry, I had a problem on my end. Could you say that again?",
  troubleTransfer: "I'm sorry, I'm having trouble on my end. Let me connect you with someone at the shop.",
  transferring: 'Let me connect you with someone at the shop. One moment.',
  transferFailed: (shop: ShopConfig) =>
    `I'm sorry, I couldn't connect you. You can reach the shop directly at ${spokenPhone(shop.transferNumber)}.`,
  goodbye: (shop: ShopConfig) => `Thanks for calling ${shop.displayName}. Goodbye!`,
  stillThere: 'Are you still there?',
  resumed: 'Sorry about that, we got cut off. Where were we?',
  limitTransfer:
    "We've covered a lot on this call. Let me connect you with someone at the shop for the rest.",
  shutdownTransfer: "I'm sorry, I have to pass your call on. Let me connect you with someone at the shop.",
  silenceGoodbye: (shop: ShopConfig) =>
    `I haven't heard anything, so I'll hang up now. Please call ${shop.displayName} back any time. Goodbye.`,
  timeLimit: (shop: ShopConfig) =>
    `I'm sorry, we've reached the time limit for this call. Please call ${shop.displayName} back if there's anything else. Goodbye.`,
};

/** "+12175550142" → "217 555 0142", which text-to-speech reads digit by digit. */
export function spokenPhone(e164: string): string {
  const digits = e164.replace(/^\+1/, '').replace(/\D/g, '');
  if (digits.length !== 10) return digits.split('').join(' ');
  return `${digits.slice(0, 3).split('').join(' ')}, ${digits.slice(3, 6).split('').join(' ')}, ${digits.slice(6).split('').join(' ')}`;
}
