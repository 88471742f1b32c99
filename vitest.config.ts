import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/property-seed.ts', 'test/support/scratch-cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Provider SDKs read these; tests must never pick up a developer's real endpoints.
    env: {
      TWILIO_REGION: '',
      TWILIO_EDGE: '',
      OPENAI_BASE_URL: '',
      AWS_REGION: 'us-east-1',
      // Node 20 is supported for development; the deployed runtime is Node 22.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
