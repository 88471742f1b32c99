/**
 * The bidirectional Media Streams websocket. The upgrade must carry Twilio's signature over the
 * wss:// URL (SEC-02); the `start` message must then present the single-use token the signed voice
 * webhook minted for that very call (SEC-03). Only then are providers opened.
 */
import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { CallSession } from '../conversation/call-session';
import type { CallSessionDependencies } from '../conversation/call-setup';
import { PHRASES } from '../conversation/phrases';
import type { Logger } from '../observability/logger';
import {
  decodeAudioPayload,
  outbound,
  parseInboundMessage,
  readCanonicalMedia,
  type StartMessage,
} from '../telephony/media-stream-protocol';
import { isValidStreamUpgrade, mediaStreamUrl } from '../telephony/twilio-signature';
import type { CallRegistry } from './call-registry';
import type { ServerConfig } from './config';
import type { ServerDependencies } from './dependencies';
import { BUSY_MESSAGE } from './twilio-webhooks';

export const MEDIA_PATH = '/twilio/media';
/** Consecutive malformed frames tolerated before the socket is closed. */
const MAX_MALFORMED_IN_A_ROW = 20;
/** Twilio sends `start` right after the upgrade; a socket that does not is not Twilio's (SEC-03). */
const START_DEADLINE_MS = 5000;

export function registerMediaStreamRoute(
  app: FastifyInstance,
  config: ServerConfig,
  deps: ServerDependencies,
  registry: CallRegistry,
  sessionDeps: Omit<CallSessionDependencies, 'logger'>,
): void {
  const verifyUpgrade = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    const signature = request.headers['x-twilio-signature'];
    const valid =
      config.providersConfigured &&
      !request.url.includes('?') &&
      isValidStreamUpgrade(
        config.twilio.authToken,
        typeof signature === 'string' ? signature : undefined,
        mediaStreamUrl(config.publicBaseUrl, MEDIA_PATH),
      );
    if (!valid) {
      request.log.warn('media stream upgrade refused: Twilio signature invalid');
      reply.code(403).send('Twilio request validation failed');
      return;
    }
    done();
  };

  app.get(MEDIA_PATH, { websocket: true, preValidation: verifyUpgrade }, (socket, request) => {
    // Handlers are attached synchronously (an async gap here would lose the first messages).
    new MediaConnection(socket, request.log as Logger, config, deps, registry, sessionDeps);
  });
}

class MediaConnection {
  private session?: CallSession;
  private callSid?: string;
  private streamSid?: string;
  private starting = false;
  private malformedInARow = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly log: Logger,
    private readonly config: ServerConfig,
    private readonly deps: ServerDependencies,
    private readonly registry: CallRegistry,
    private readonly sessionDeps: Omit<CallSessionDependencies, 'logger'>,
  ) {
    const deadline = setTimeout(() => {
      if (!this.session) socket.close(1008, 'no start');
    }, START_DEADLINE_MS);
    deadline.unref();
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    socket.on('close', () => {
      clearTimeout(deadline);
      void this.end('stream_closed');
    });
    socket.on('error', (error) => this.log.warn({ err: { name: error.name } }, 'media socket error'));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.malformed('binary frame');
      return;
    }
    const text = data.toString();
    const media = readCanonicalMedia(text);
    if (media) {
      this.onMedia(media.streamSid, media.audio);
      return;
    }
    const parsed = parseInboundMessage(text);
    if (!parsed.ok) {
      this.malformed(parsed.reason);
      return;
    }
    const message = parsed.message;
    switch (message.event) {
      case 'media':
        this.onMedia(message.streamSid, decodeAudioPayload(message.media.payload));
        return;
      case 'start':
        this.malformedInARow = 0;
        void this.start(message);
        return;
      case 'mark':
        this.session?.onMark(message.mark.name);
        return;
      case 'dtmf':
        this.session?.onDtmf(message.dtmf.digit);
        return;
      case 'stop':
        void this.end('caller_hung_up').finally(() => this.socket.close(1000));
        return;
      default:
        return;
    }
  }

  /** Null audio: the payload was not strict base64. Frames before `start` or of another stream are dropped. */
  private onMedia(streamSid: string, audio: Buffer | null): void {
    if (!this.session || streamSid !== this.streamSid) return;
    if (!audio) {
      this.malformed('invalid base64 audio');
      return;
    }
    this.malformedInARow = 0;
    this.session.onAudio(audio);
  }

  private malformed(reason: string): void {
    this.malformedInARow++;
    if (this.malformedInARow === 1) this.log.warn({ reason }, 'ignored a malformed media stream message');
    if (this.malformedInARow >= MAX_MALFORMED_IN_A_ROW) {
      this.log.warn({ reason }, 'closing a media stream that keeps sending malformed messages');
      this.socket.close(1008, 'malformed messages');
    }
  }

  private async start(message: StartMessage): Promise<void> {
    if (this.starting || this.session) return;
    this.starting = true;
    const { callSid, accountSid, streamSid, customParameters } = message.start;
    const token = customParameters.token ?? '';
    let claims: Awaited<ReturnType<ServerDependencies['calls']['consumeStreamToken']>>;
    try {
      claims =
        accountSid === this.config.twilio.accountSid && token
          ? await this.deps.calls.consumeStreamToken(callSid, token)
          : null;
    } catch (error) {
      // The token cannot be checked (the calls table failing), so nothing of the call is trusted
      // yet: the stream is closed, and Twilio asks the signed stream-ended webhook what to do next,
      // which resumes the call or hands it to the shop.
      this.log.error(
        { err: { name: (error as Error).name }, callSid },
        'media stream token could not be checked: closing the stream',
      );
      this.socket.close(1011, 'could not start the call');
      return;
    }
    if (!claims) {
      this.log.warn({ callSid }, 'media stream refused: missing, reused or foreign stream token');
      this.socket.close(1008, 'invalid stream token');
      return;
    }
    if (this.socket.readyState !== this.socket.OPEN) return;
    // The webhook checked the capacity of the task it ran on; the ALB may have sent the socket to
    // another one. This task's own limits are what protect its calls, so they are checked again.
    const refusal = this.registry.refusal(claims.callerPhone);
    if (refusal) {
      this.log.warn({ callSid, refusal }, 'media stream refused: handed to the shop');
      await this.deps.control
        .transfer(callSid, this.config.shop.transferNumber, BUSY_MESSAGE)
        .catch((failure: Error) => this.log.error({ err: { name: failure.name } }, 'busy hand-off failed'));
      this.socket.close(1013, 'at capacity');
      return;
    }
    this.callSid = callSid;
    this.streamSid = streamSid;
    const send = (data: string) => {
      if (this.socket.readyState === this.socket.OPEN) this.socket.send(data);
    };
    const session = new CallSession(
      { ...this.sessionDeps, logger: this.log },
      {
        callSid,
        direction: claims.direction,
        callerPhone: claims.callerPhone,
        ...(claims.appointmentId ? { appointmentId: claims.appointmentId } : {}),
        resumed: claims.reconnects > 0,
        twilio: {
          sendAudio: (audio) => send(outbound.media(streamSid, audio)),
          sendMark: (name) => send(outbound.mark(streamSid, name)),
          sendClear: () => send(outbound.clear(streamSid)),
        },
        closeStream: () => this.socket.close(1000, 'call ended'),
      },
    );
    this.session = session;
    this.registry.add(callSid, session, claims.callerPhone);
    try {
      await session.start();
    } catch (error) {
      // No voice to say it with: Twilio says it, and the caller still reaches the shop.
      this.log.error(
        { err: { name: (error as Error).name } },
        'call could not start: handing it to the shop',
      );
      await this.deps.control
        .transfer(callSid, this.config.shop.transferNumber, PHRASES.troubleTransfer)
        .catch((failure: Error) => this.log.error({ err: { name: failure.name } }, 'hand-off failed too'));
      this.socket.close(1011, 'could not start the call');
    }
  }

  /**
   * Never rejects: it runs from socket events, where a rejection would end the process. The call
   * leaves the registry only once its records are written, so a draining task (and its scale-in
   * protection) waits for them.
   */
  private async end(reason: string): Promise<void> {
    const session = this.session;
    const callSid = this.callSid;
    if (!session || !callSid) return;
    this.session = undefined;
    await session.stop(reason).catch((error: Error) => {
      this.log.error({ err: { name: error.name }, callSid }, 'call did not stop cleanly');
    });
    this.registry.remove(callSid);
  }
}
