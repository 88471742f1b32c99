/** Call set-ups more than one test file needs. */
import type { FakeCall } from '../fakes/twilio-fake';
import type { E2e } from './harness';
import { callTools, lastUserText, say } from './model-script';

/** A call whose model hangs up on "bye", with the next hang-up request answered by `status`. */
export async function callThatFailsItsHangUp(e2e: E2e, status: number): Promise<FakeCall> {
  e2e.openai.setScript((request) =>
    /bye/i.test(lastUserText(request))
      ? callTools({ name: 'end_call', arguments: { reason: 'done' } })
      : say('Okay.'),
  );
  const call = await e2e.startCall();
  await call.waitForHeard(/How can I help you today\?/);
  e2e.twilio.failNextRest({ method: 'POST', pathIncludes: `/Calls/${call.callSid}.json` }, status);
  return call;
}
