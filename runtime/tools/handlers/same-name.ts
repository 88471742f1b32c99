/**
 * Whether a last name the caller gives is the one on file, ignoring case, accents and punctuation:
 * the proof lookup_customer and create_customer ask for before they bind a record to the call.
 */
export function sameName(a: string, b: string): boolean {
  const fold = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-zA-Z]/g, '')
      .toLowerCase();
  return fold(a) === fold(b) && fold(a).length > 0;
}
