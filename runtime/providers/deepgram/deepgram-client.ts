import { DeepgramClient } from '@deepgram/sdk';

export interface DeepgramOptions {
  apiKey: string;
  /** A local fake or a regional endpoint; one URL serves REST and both websockets (SDK `baseUrl`). */
  baseUrl?: string;
}

export function createDeepgramClient(options: DeepgramOptions): DeepgramClient {
  return new DeepgramClient({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
}

/** The SDK delivers binary frames as Blobs; this keeps their order while converting. */
export class OrderedMessages {
  private chain: Promise<void> = Promise.resolve();

  push(task: () => void | Promise<void>): void {
    this.chain = this.chain.then(task).catch(() => undefined);
  }
}
