/**
 * Opening a call's two provider sockets together. Either can fail (a refused upgrade, an outage);
 * then the other is closed again rather than left open for a call that will not happen.
 */
import type {
  SpeechToText,
  SpeechToTextEvents,
  SpeechToTextSession,
  TextToSpeech,
  TextToSpeechEvents,
  TextToSpeechSession,
} from '../providers/interfaces';

export async function openProviders(
  stt: SpeechToText,
  sttEvents: SpeechToTextEvents,
  tts: TextToSpeech,
  ttsEvents: TextToSpeechEvents,
): Promise<{ stt: SpeechToTextSession; tts: TextToSpeechSession }> {
  const [sttOpened, ttsOpened] = await Promise.allSettled([stt.open(sttEvents), tts.open(ttsEvents)]);
  if (sttOpened.status === 'fulfilled' && ttsOpened.status === 'fulfilled') {
    return { stt: sttOpened.value, tts: ttsOpened.value };
  }
  if (sttOpened.status === 'fulfilled') sttOpened.value.close();
  if (ttsOpened.status === 'fulfilled') ttsOpened.value.close();
  throw sttOpened.status === 'rejected' ? sttOpened.reason : (ttsOpened as PromiseRejectedResult).reason;
}
