/**
 * How every Lambda function is bundled and started (lib/constructs/node-function.ts), shared with the
 * cold starts `npm run bench` times (bench/bundles.ts), so the measured load is the deployed one.
 */

/**
 * Source maps stay on: a Lambda's error reaches CloudWatch with its real stack. The maps carry no
 * `sourcesContent` (see below), which is what made them cost load time.
 */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/**
 * The runtime is ESM (package.json "type": "module"), so bundles are ESM too; this banner gives bundled
 * CommonJS dependencies the `require` they expect.
 */
const CREATE_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  target: 'node22',
  minify: true,
  sourceMap: true,
  /**
   * `--enable-source-maps` parses the whole map when the bundle loads; without the embedded sources
   * the tool map is a third of the size and a cold start ~40 ms shorter (measured, bench/bundles.ts).
   * Stacks only need the mappings.
   */
  sourcesContent: false,
  /** The ESM builds (`module`), which esbuild can tree-shake; most CommonJS builds it cannot. */
  mainFields: ['module', 'main'],
  banner: CREATE_REQUIRE_BANNER,
  /**
   * Nothing is left to the runtime, not even the AWS SDK it provides. Importing the runtime's SDK
   * from an ESM bundle loads it as CommonJS, file by file, through Node's CJS export detection:
   * ~85 ms of a ~180 ms tool cold start. Bundled, tree-shaken and minified it costs a fraction of
   * that, and the deployed SDK is the version the tests ran against. The bundle is bigger for it
   * (README, Benchmark).
   */
  externalModules: [] as string[],
  /**
   * Package → the module bundled in its place, relative to the repository root (where the bundler
   * runs). The SDK's default credential chain becomes the environment provider Lambda uses; see
   * runtime/aws/lambda-credentials.ts for what that leaves out and what it saves. axios's
   * multipart support, which Twilio's url-encoded requests never use, and the SDK's event-stream
   * codec, which none of our AWS operations use, go the same way (each stand-in says why).
   */
  aliases: {
    '@aws-sdk/credential-provider-node': './runtime/aws/lambda-credentials.ts',
    'form-data': './runtime/aws/form-data-unavailable.cjs',
    '@smithy/core/event-streams': './runtime/aws/event-streams-unavailable.ts',
  } as Record<string, string>,
} as const;
