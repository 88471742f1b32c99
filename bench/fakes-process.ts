/**
 * The protocol fakes (Twilio, Deepgram, OpenAI) and the simulated callers, in their own process so
 * their CPU is not charged to the server and their event loop does not delay its timers. Driven by
 * bench/run.ts over the fork() IPC channel (bench/protocol.ts); exits when the runner goes away.
 */
import { startDeepgramFake } from '../test/fakes/deepgram-fake';
import { startOpenAiFake } from '../test/fakes/openai-fake';
import { startTwilioFake } from '../test/fakes/twilio-fake';
import { type LevelContext, runLevel } from './driver';
import { Probes } from './probes';
import { type FromFakes, PROFILES, type ToFakes } from './protocol';
import { benchScript, newScriptLog } from './script';

function send(message: FromFakes): void {
  process.send?.(message);
}

let ctx: LevelContext | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // A stuck close must not keep the process alive: the runner waits for this exit.
    setTimeout(() => process.exit(code), 3000).unref();
    await Promise.allSettled([ctx?.twilio.close(), ctx?.deepgram.close(), ctx?.openai.close()]);
    ctx?.probes.uninstall();
  }
  process.exit(code);
}

async function handle(message: ToFakes): Promise<void> {
  if (message.type === 'start') {
    const profile = PROFILES[message.profile];
    const probes = new Probes();
    const [twilio, deepgram, openai] = await Promise.all([
      startTwilioFake(),
      startDeepgramFake({ apiKey: message.apiKeys.deepgram, ...profile.deepgram }),
      startOpenAiFake({ apiKey: message.apiKeys.openai }),
    ]);
    probes.install(deepgram);
    const context: LevelContext = { twilio, deepgram, openai, probes, profile, scriptLog: newScriptLog() };
    // The script reads the log through the context: each level swaps in a fresh one.
    openai.setScript(benchScript(profile, () => context.scriptLog));
    ctx = context;
    send({
      type: 'ready',
      twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, restBaseUrl: twilio.restBaseUrl },
      openaiBaseUrl: openai.baseUrl,
      deepgramBaseUrl: deepgram.baseUrl,
    });
    return;
  }
  if (message.type === 'run-level') {
    if (!ctx) throw new Error('run-level before start');
    const result = await runLevel(ctx, message, (done, failed, active) =>
      send({ type: 'progress', done, failed, active }),
    );
    send({ type: 'level-result', result });
    return;
  }
  await stop(0);
}

process.on('message', (message: ToFakes) => {
  handle(message).catch((error: Error) => {
    send({ type: 'error', message: error.stack ?? error.message });
  });
});
// The runner died or closed the channel: nothing is left to serve.
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
