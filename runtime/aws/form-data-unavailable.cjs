/**
 * What a Lambda bundle gets instead of `form-data` (the bundler aliases it here, lib/lambda-bundling.ts).
 * axios, under the dialer's Twilio client, requires `form-data` at load for multipart bodies; Twilio's
 * REST calls are url-encoded strings, so it is never constructed, and with it went `mime-types` and
 * `mime-db` (~150 KB of the dialer bundle). If a multipart body is ever sent, this says why it fails.
 * test/tools/lambda-bundles.test.ts places a reminder call through the bundled dialer.
 */
module.exports = class FormDataUnavailable {
  constructor() {
    throw new Error('form-data is not bundled into the Lambda functions (lib/lambda-bundling.ts)');
  }
};
