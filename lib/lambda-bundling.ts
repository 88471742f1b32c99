/**
 * How every Lambda function is bundled and started (lib/constructs/node-function.ts), shared with the
 * cold starts `npm run bench` times (bench/bundles.ts), so the measured load is the deployed one.
 */

/**
 * The runtime is ESM (package.json "type": "module"), so bundles are ESM too; this banner gives bundled
 * CommonJS dependencies the `require` they expect.
 */
const CREATE_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  target: 'node22',
  minify: true,
  /**
   * Each bundle ships its map, and a Lambda's errors reach CloudWatch with their TypeScript
   * positions; the entries map a stack when it is read (runtime/observability/source-mapped-stacks.ts)
   * instead of `--enable-source-maps`, which parses the whole map during every cold start (~23 ms
   * of a tool's ~133 ms on Node 22, bench/bundles.ts).
   */
  sourceMap: true,
  /** Stacks need only the mappings; the embedded sources would make the tool map ~3× bigger. */
  sourcesContent: false,
  /** The ESM builds (`module`), which esbuild can tree-shake; most CommonJS builds it cannot. */
  mainFields: ['module', 'main'],
  banner: CREATE_REQUIRE_BANNER,
  /**
   * Nothing is left to the runtime, not even the AWS SDK it provides. Importing the runtime's SDK
   * from an ESM bundle loads it as CommonJS, file by file, through Node's CJS export detection:
   * ~85 ms of a ~180 ms tool cold start. Bundled, tree-shaken and minified it costs a fraction of
   * that, and the deployed SDK is the version the tests ran against. The bundle is bigger for it
   * (docs/benchmark.md, "Lambda bundles").
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
