/**
 * A local fake of Deepgram's two websockets, faithful to the wire protocol in
 * /work/shared/reference/protocols.md section B, for the real `@deepgram/sdk` (5.13.0) to talk to:
 *
 *   const fake = await startDeepgramFake();
 *   const client = createDeepgramClient({ apiKey: 'k', baseUrl: fake.baseUrl });
 *
 * - Transport: a node:http server on 127.0.0.1 (port 0) whose 'upgrade' feeds a `ws`
 *   WebSocketServer (noServer, no permessage-deflate). Every upgrade answer carries `dg-request-id`;
 *   a refused upgrade is a plain HTTP error with `dg-request-id`, `dg-error` and the
 *   `{err_code, err_msg, request_id}` body (B.1). Unknown paths: 404. `apiKey` set: the upgrade
 *   needs `Authorization: Token <apiKey>`, else 401 INVALID_AUTH.
 * - `/v1/listen` (B.1): binary frames of 8 kHz mu-law; "speech" is text carried in the bytes
 *   (./fake-audio.ts). SpeechStarted (vad_events=true), interim Results (interim_results=true),
 *   a final Results with speech_final after `endpointing` ms of silent audio, then UtteranceEnd
 *   (utterance_end_ms) after that much silent audio since the last word. KeepAlive, Finalize,
 *   CloseStream (last Results, Metadata, close 1000), idle timeout 1011 NET-0001.
 * - `/v1/speak` (B.2): Metadata right after the handshake; Speak/Flush/Clear/Close; raw audio as
 *   binary frames (encodeSpeech of the flushed text, NEVER a WAV header), then Flushed/Cleared.
 *
 * Choices where the reference is silent or UNCONFIRMED:
 * - Audio time (bytes / 8 ms), not wall-clock, drives STT. Frames of any size are analysed in
 *   160-byte windows, so a big frame that ends in silence still endpoints correctly. A window
 *   with any non-silence byte is speech. Wall-clock fallback for bursty clients: once no audio at
 *   all has arrived for `endpointing` ms, the time since the last frame counts as silence too.
 * - One utterance = one final: the fake never splits a long utterance into several is_final
 *   results (the real service may). `transcripts` records every non-empty final, which in the
 *   fake always closes an utterance (speech_final, Finalize or CloseStream). Consecutive results
 *   tile the audio: `start` is where the previous final ended, `duration` runs to now.
 * - Speech that carries no characters (filler only) still starts an utterance (SpeechStarted)
 *   and ends in a final with an empty transcript and no words; it is not in `transcripts`.
 * - SpeechStarted fires on every silence→speech transition (not only at utterance starts).
 * - Interim results: at most once per 100 ms of audio, only when the decoded text grew.
 * - Transcript = the decoded characters, trimmed, exactly as encoded (smart_format is assumed to
 *   have done its job). Words split on spaces: `word` lower-cased without punctuation,
 *   `punctuated_word` as encoded, `start` at the first character, `end` where the next character
 *   starts (last word: end of speech). Confidence is always 0.99.
 * - `endpointing=false`: finals still come after 10 ms of silence but with speech_final false.
 * - Finalize: the pending utterance becomes is_final:true, speech_final:false, from_finalize:true;
 *   with no speech pending but audio since the last final, an empty final with from_finalize
 *   (B.1 says from_finalize is not guaranteed; the fake always sets it).
 * - CloseStream: the pending utterance is sent as is_final + speech_final (the end of the
 *   stream is an endpoint), then Metadata (sha256 of the audio, duration, channels, models),
 *   then close 1000 once delayed messages have left. Audio after CloseStream is counted only.
 * - An empty binary frame closes 1008 DATA-0000 (the real service "closes unexpectedly").
 *   Non-JSON text frames and unknown control types are recorded and ignored.
 * - Idle timeout (`idleTimeoutMs`, default 10 s): audio or KeepAlive resets it, but KeepAlive
 *   only counts once some audio has arrived (B.1 troubleshooting page).
 * - An `encoding` outside B.1's list refuses the listen upgrade with 400.
 * - TTS: `container` other than none, `encoding` other than linear16/mulaw/alaw, or a
 *   `sample_rate` outside 8000/16000/24000/32000/48000 refuse the upgrade with 400 (a missing
 *   encoding is accepted). The audio bytes are fake-audio speech whatever the encoding.
 * - TTS Speak texts are concatenated as sent. Speak over 2000 characters: a Warning
 *   (code TEXT_TOO_LONG) and the text is dropped. Flush #21 within 60 s: a Warning
 *   (FLUSH_LIMIT_EXCEEDED) and, as the docs say, not processed: no audio and no Flushed for it,
 *   its text stays pending. A Speak that takes the text received in the last 60 s past 2400
 *   characters closes the socket 1008 DATA-0001 (counted on arrival, in a sliding window; the
 *   docs say only "2400 characters per minute"). The 60 min connection limit is not enforced.
 * - Flushed.sequence_id counts flushes from 0, Cleared.sequence_id counts clears from 0. Clear
 *   drops pending text and every flush not fully sent: those never get a Flushed.
 * - A flush with no text gets its Flushed at once (after the earlier flushes), without the
 *   first-byte delay. Queued flushes start after the previous one; with ttsRealtime, not before
 *   the previous audio has finished playing.
 * - Close closes 1000 at once, dropping unsent audio. A binary frame closes 1003 MESSAGE-0000;
 *   a non-JSON text frame, a Speak without string text, or an unknown type close 1008 DATA-0000.
 * - kill(1006) drops the TCP connection with no close frame (the SDK then sees 1006).
 * - REST `POST /v1/speak` (text to speech): body `{"text"}`, answered after `ttsFirstByteMs` with the
 *   text's fake-audio speech, whole; a 44-byte WAV header in front unless `container=none` (the
 *   documented mulaw default); empty text 400, over 2400 characters 413 (the documented body), a wrong key 401. Recorded
 *   in `speakRequests`.
 * - Subprotocol auth (`["token", KEY]`) and the other REST endpoints are not implemented.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { SttSession } from './deepgram/stt';
import { TtsSession } from './deepgram/tts';
import type { DeepgramFake, DeepgramFakeOptions, RefusedUpgrade, ResolvedOptions } from './deepgram/types';
import { flattenHeaders, parseQuery, refuseUpgrade } from './deepgram/util';
import { encodeSpeech } from './fake-audio';
import { listenOnLoopback } from './loopback';

export type {
  CloseRecord,
  DeepgramFake,
  DeepgramFakeOptions,
  RefusedUpgrade,
  SttConnection,
  TtsConnection,
} from './deepgram/types';

const LISTEN = '/v1/listen';
const MAX_REST_CHARS = 2400;
const SPEAK = '/v1/speak';
const STT_ENCODINGS = new Set([
  'linear16',
  'linear32',
  'flac',
  'alaw',
  'mulaw',
  'amr-nb',
  'amr-wb',
  'opus',
  'ogg-opus',
  'speex',
  'g729',
]);
const TTS_ENCODINGS = new Set(['linear16', 'mulaw', 'alaw']);
const TTS_SAMPLE_RATES = new Set(['8000', '16000', '24000', '32000', '48000']);

const DEFAULTS: ResolvedOptions = {
  sttDelayMs: 0,
  ttsFirstByteMs: 0,
  ttsRealtime: false,
  ttsBytesPerChar: 80,
  ttsChunkBytes: 1600,
  idleTimeoutMs: 10_000,
};

function errorCodeFor(status: number): string {
  if (status === 429) return 'TOO_MANY_REQUESTS';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_SERVER_ERROR';
  return 'REQUEST_REFUSED';
}

/** Why Deepgram would answer this upgrade's query with 400, if it would. */
function badQuery(path: string, query: Record<string, string>): string | undefined {
  if (path === LISTEN) {
    if (query.encoding !== undefined && !STT_ENCODINGS.has(query.encoding)) {
      return `Invalid query string: unknown encoding ${JSON.stringify(query.encoding)}.`;
    }
    return undefined;
  }
  if (query.container !== undefined && query.container !== 'none') {
    return `Invalid query string: the websocket supports only container=none, got ${JSON.stringify(query.container)}.`;
  }
  if (query.encoding !== undefined && !TTS_ENCODINGS.has(query.encoding)) {
    return `Invalid query string: unsupported encoding ${JSON.stringify(query.encoding)} for the websocket.`;
  }
  if (query.sample_rate !== undefined && !TTS_SAMPLE_RATES.has(query.sample_rate)) {
    return `Invalid query string: unsupported sample_rate ${JSON.stringify(query.sample_rate)}.`;
  }
  return undefined;
}

export async function startDeepgramFake(options: DeepgramFakeOptions = {}): Promise<DeepgramFake> {
  let current: ResolvedOptions = { ...DEFAULTS };
  const apply = (partial: Partial<DeepgramFakeOptions>) => {
    const next: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(partial)) {
      // An explicit undefined restores the default (endpointingMs: back to the query's value).
      next[key] = value === undefined ? (DEFAULTS as Record<string, unknown>)[key] : value;
      if (next[key] === undefined) delete next[key];
    }
    current = next as unknown as ResolvedOptions;
  };
  apply(options);
  const getOptions = () => current;
  const stt: SttSession[] = [];
  const tts: TtsSession[] = [];
  const refused: RefusedUpgrade[] = [];
  const refusals = new Map<string, { n: number; status: number }>();
  const requestIds = new WeakMap<IncomingMessage, string>();
  const rawSockets = new Set<Duplex>();
  let nextId = 1;
  let closing: Promise<void> | undefined;

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on('headers', (headers, req) => {
    headers.push(`dg-request-id: ${requestIds.get(req) ?? randomUUID()}`);
  });

  const speakRequests: DeepgramFake['speakRequests'] = [];
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const fail = (status: number, errCode: string, errMsg: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'dg-request-id': requestId });
      res.end(JSON.stringify({ err_code: errCode, err_msg: errMsg, request_id: requestId }));
    };
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST' || url.pathname !== SPEAK) {
      return fail(
        404,
        'NOT_FOUND',
        'The Deepgram fake serves the /v1/listen and /v1/speak websockets and POST /v1/speak.',
      );
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const query = parseQuery(url);
      let text = '';
      try {
        text = String((JSON.parse(Buffer.concat(chunks).toString()) as { text?: unknown }).text ?? '');
      } catch {
        // Answered below: no text.
      }
      const record = { text, query, status: 200, at: performance.now() };
      speakRequests.push(record);
      const refuse = (status: number, errCode: string, errMsg: string) => {
        record.status = status;
        fail(status, errCode, errMsg);
      };
      if (closing) return refuse(503, 'SERVICE_UNAVAILABLE', 'The Deepgram fake is shutting down.');
      if (current.apiKey !== undefined && req.headers.authorization !== `Token ${current.apiKey}`) {
        return refuse(401, 'INVALID_AUTH', 'Invalid credentials.');
      }
      if (!text.trim()) return refuse(400, 'INVALID_TEXT', 'The request body must be {"text": "..."}.');
      if (text.length > MAX_REST_CHARS)
        return refuse(413, 'Payload Too Large', 'Input text exceeds maximum character limit of 2400.');
      // As documented for mulaw: without container=none the audio is wrapped in a 44-byte WAV header.
      const header = query.container === 'none' ? Buffer.alloc(0) : Buffer.from('RIFF'.padEnd(44, '\0'));
      const audio = Buffer.concat([header, encodeSpeech(text, current.ttsBytesPerChar)]);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'audio/mulaw;rate=8000', 'dg-request-id': requestId });
        res.end(audio);
      }, current.ttsFirstByteMs);
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    rawSockets.add(socket);
    socket.on('close', () => rawSockets.delete(socket));
    socket.on('error', () => {});
    const requestId = randomUUID();
    requestIds.set(req, requestId);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const headers = flattenHeaders(req.headers);
    const refuse = (status: number, errCode: string, errMsg: string) => {
      refused.push({ path, status, at: performance.now(), headers });
      refuseUpgrade(socket, status, requestId, errCode, errMsg);
    };
    if (closing) return refuse(503, 'SERVICE_UNAVAILABLE', 'The Deepgram fake is shutting down.');
    if (path !== LISTEN && path !== SPEAK) return refuse(404, 'NOT_FOUND', `Unknown path ${path}.`);
    const planned = refusals.get(path);
    if (planned && planned.n > 0) {
      planned.n--;
      return refuse(
        planned.status,
        errorCodeFor(planned.status),
        'Refused by the Deepgram fake (refuseNext).',
      );
    }
    if (current.apiKey !== undefined && req.headers.authorization !== `Token ${current.apiKey}`) {
      return refuse(401, 'INVALID_AUTH', 'Invalid credentials.');
    }
    const query = parseQuery(url);
    const invalid = badQuery(path, query);
    if (invalid) return refuse(400, 'INVALID_QUERY_PARAMETER', invalid);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const init = { id: nextId++, ws, query, headers, requestId, options: getOptions };
      if (path === LISTEN) stt.push(new SttSession(init));
      else tts.push(new TtsSession(init));
    });
  });

  const port = await listenOnLoopback(server);

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stt,
    tts,
    refused,
    speakRequests,
    refuseNext(path, n = 1, status = 503) {
      refusals.set(path, { n, status });
    },
    setOptions(partial) {
      apply(partial);
    },
    close() {
      closing ??= (async () => {
        for (const session of [...stt, ...tts]) session.terminate();
        for (const socket of rawSockets) (socket as Socket).destroy();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
