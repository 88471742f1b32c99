/**
 * The fakes' "speech": mu-law bytes that carry text, so a transcript can travel inside the audio
 * itself (Twilio fake → our server → Deepgram fake, and Deepgram TTS fake → our server → Twilio
 * fake) with no side channel. That keeps concurrent calls honest: if our server mixed two calls'
 * audio, the fakes would hear the wrong words.
 *
 * Encoding: each character (printable ASCII) is one byte followed by filler bytes (0x80, loud in
 * mu-law); silence is 0xFF (mu-law zero). Decoding keeps only printable ASCII bytes.
 */
export const FRAME_BYTES = 160; // 20 ms of 8 kHz mu-law
export const FRAME_MS = 20;
export const SILENCE_BYTE = 0xff;
export const FILLER_BYTE = 0x80;
export const BYTES_PER_MS = 8;

export function silence(bytes: number = FRAME_BYTES): Buffer {
  return Buffer.alloc(bytes, SILENCE_BYTE);
}

/** Text as speech audio: `bytesPerChar` bytes per character (80 bytes = 10 ms per character). */
export function encodeSpeech(text: string, bytesPerChar = 80): Buffer {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  const out = Buffer.alloc(printable.length * bytesPerChar, FILLER_BYTE);
  for (let i = 0; i < printable.length; i++) out[i * bytesPerChar] = printable.charCodeAt(i);
  return out;
}

/** The text carried by some audio (filler and silence dropped). */
export function decodeSpeech(audio: Uint8Array): string {
  let text = '';
  for (const byte of audio) if (byte >= 0x20 && byte <= 0x7e) text += String.fromCharCode(byte);
  return text;
}

/** True when a frame holds any non-silence byte (the fakes' voice activity detector). */
export function isSpeech(frame: Uint8Array): boolean {
  for (const byte of frame) if (byte !== SILENCE_BYTE) return true;
  return false;
}

/** Splits audio into 160-byte frames, padding the last one with `pad`. */
export function toFrames(audio: Buffer, pad = FILLER_BYTE): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
    const frame = Buffer.alloc(FRAME_BYTES, pad);
    audio.copy(frame, 0, offset, Math.min(offset + FRAME_BYTES, audio.length));
    frames.push(frame);
  }
  return frames;
}
