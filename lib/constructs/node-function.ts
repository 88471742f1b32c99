import { join } from 'node:path';
import { Duration, Token } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLING } from '../lambda-bundling';
import { acknowledge } from '../nag';
import { REPO_ROOT } from '../paths';

/** Retention for every log group the stack creates. */
export const LOG_RETENTION = RetentionDays.ONE_MONTH;

/** Lambda rejects a function whose environment (keys + values) exceeds 4 KB. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** Rough size a token (table name, ARN) resolves to; enough to fail early at synth instead of deploy. */
const TOKEN_SIZE_ESTIMATE = 128;

export interface NodeFunctionProps {
  /** Handler file relative to the repository root; it must `export const handler`. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/**
 * A Node.js 22 arm64 Lambda with its own log group (fixed retention) and its own role that may only
 * write to that log group, so each function starts with no permissions beyond its logs.
 */
export function createNodeFunction(scope: Construct, id: string, props: NodeFunctionProps): NodejsFunction {
  const environment = { ...props.environment };
  assertEnvironmentFits(id, environment);

  const { aliases, ...bundling } = LAMBDA_BUNDLING;

  const logGroup = new LogGroup(scope, `${id}Logs`, { retention: LOG_RETENTION });
  // An own role instead of the default one avoids the AWSLambdaBasicExecutionRole managed policy,
  // which may create log groups anywhere.
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  logGroup.grantWrite(role);

  const fn = new NodejsFunction(scope, id, {
    entry: join(REPO_ROOT, props.entry),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout ?? Duration.seconds(10),
    description: props.description,
    role,
    logGroup,
    environment,
    bundling: {
      ...bundling,
      mainFields: [...bundling.mainFields],
      format: OutputFormat.ESM,
      // esbuild's `--alias:<package>=<path>`, one per entry (CDK repeats a list-valued --alias).
      esbuildArgs: { '--alias': Object.entries(aliases).map(([from, to]) => `${from}=${to}`) },
    },
  });
  acknowledge(
    fn,
    'L1',
    'Pinned to Node.js 22 to match the Fargate image and the test toolchain; upgraded deliberately, not by CDK.',
  );
  return fn;
}

function assertEnvironmentFits(id: string, environment: Record<string, string>): void {
  const size = Object.entries(environment).reduce(
    (total, [key, value]) =>
      total + key.length + (Token.isUnresolved(value) ? TOKEN_SIZE_ESTIMATE : value.length),
    0,
  );
  if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    const shopConfigSize = environment.SHOP_CONFIG?.length ?? 0;
    throw new Error(
      `${id}: the Lambda environment would be about ${size} bytes, over Lambda's 4 KB limit ` +
        `(SHOP_CONFIG alone is ${shopConfigSize} bytes); shorten the shop configuration.`,
    );
  }
}
