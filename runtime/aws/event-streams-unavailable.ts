/**
 * What a Lambda bundle gets instead of `@smithy/core/event-streams` (the bundler aliases it here,
 * lib/lambda-bundling.ts). The SDK's HTTP protocols import it lazily, only for operations that
 * stream events (Bedrock, Transcribe, S3 Select); the bundler cannot see that DynamoDB, Scheduler and
 * Secrets Manager have none and would otherwise ship ~15 KB of event-stream codec in every function.
 * Should a streaming operation ever be added, this says why it fails instead of failing obscurely.
 * test/tools/lambda-bundles.test.ts checks the codec is gone and the functions still work.
 */
function unavailable(): never {
  throw new Error(
    '@smithy/core/event-streams is not bundled into the Lambda functions (lib/lambda-bundling.ts)',
  );
}

export class EventStreamSerde {
  constructor() {
    unavailable();
  }
}

export const eventStreamSerdeProvider = unavailable;
