import { createHash, randomBytes } from 'node:crypto';

// Crockford base32 without I, L, O, U: short ids a model copies back reliably.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % 32];
  return out;
}

export function newId(prefix: string, length = 10): string {
  return `${prefix}_${encode(randomBytes(length), length)}`;
}

/** The same inputs always give the same id: used to make a retried intent land on one item. */
export function stableId(prefix: string, parts: readonly string[], length = 10): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return `${prefix}_${encode(digest, length)}`;
}
