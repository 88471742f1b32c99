/**
 * Builds stacks exactly as bin/pitcrew.ts does (through createStacks, with cdk-nag), with Lambda bundling
 * skipped and CloudFormation's built-in validation off, so one synth takes well under a second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createStacks } from '../../lib/create-stacks';
import { loadShopFile } from '../../lib/load-shops';
import { REPO_ROOT, SHOPS_DIR } from '../../lib/paths';
import type { PitcrewStack } from '../../lib/pitcrew-stack';
import { parseShopConfig, type ShopConfig, type ShopConfigInput } from '../../runtime/config/shop-config';
import { appOutdir } from '../support/scratch-dir';

/** A fixed account/region: templates look like a real deploy's and do not depend on the machine. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

const CDK_JSON_CONTEXT = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as Record<
  string,
  unknown
>;

export interface SynthOptions {
  /** Default env for shops without `aws`; `{}` gives a region-agnostic stack. */
  readonly env?: Environment;
  /** Run aws-cdk-lib's built-in CloudFormation validation (slow to start; on in one test only). */
  readonly cloudFormationValidation?: boolean;
  readonly context?: Record<string, unknown>;
  /** Bundle the Lambdas with esbuild as `cdk synth` does, writing the assembly to this directory. */
  readonly bundleInto?: string;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: PitcrewStack;
  readonly template: Template;
}

export function exampleShopInput(): ShopConfigInput {
  return JSON.parse(readFileSync(join(SHOPS_DIR, 'example.json'), 'utf8')) as ShopConfigInput;
}

export function exampleShop(): ShopConfig {
  return loadShopFile(join(SHOPS_DIR, 'example.json'));
}

/** The example shop with some fields changed, validated like a shop file. */
export function shopWith(changes: Partial<ShopConfigInput>): ShopConfig {
  return parseShopConfig({ ...exampleShopInput(), ...changes }, 'test shop');
}

export function synthShop(shop: ShopConfig, options: SynthOptions = {}): Synthesized {
  const env = options.env ?? TEST_ENV;
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      // Skip esbuild: the Lambda code hash then stays constant and synth is ~10x faster.
      ...(options.bundleInto ? {} : { 'aws:cdk:bundling-stacks': [] }),
      // Answer the AZ lookup a concrete env triggers, as cdk.context.json would after a real deploy.
      [`availability-zones:account=${TEST_ENV.account}:region=${TEST_ENV.region}`]: [
        'us-east-1a',
        'us-east-1b',
      ],
      ...options.context,
    },
    builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
    outdir: options.bundleInto ?? appOutdir(),
  });
  const [stack] = createStacks(app, [shop], { defaultEnv: env });
  if (!stack) throw new Error('createStacks returned no stack');
  return { app, stack, template: Template.fromStack(stack) };
}

let example: Synthesized | undefined;

/** The example shop's stack, synthesized once per test file. */
export function synthExample(): Synthesized {
  example ??= synthShop(exampleShop());
  return example;
}

/** Every value of `Resources` of one type, keyed by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, any> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, any> }>;
}

/** The single resource of a type whose logical id starts with `prefix` (construct path without slashes). */
export function resourceNamed(
  template: Template,
  type: string,
  prefix: string,
): { logicalId: string; Properties: Record<string, any> } {
  const matches = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(
      `expected one ${type} named ${prefix}*, found ${matches.map(([id]) => id).join(', ') || 'none'}`,
    );
  }
  const [logicalId, resource] = matches[0]!;
  return { logicalId, Properties: resource.Properties };
}

/** All statements of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOfRole(template: Template, rolePrefix: string): Statement[] {
  const role = resourceNamed(template, 'AWS::IAM::Role', rolePrefix);
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((ref) => isRefTo(ref, role.logicalId)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOfStatement(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

export function isRefTo(value: unknown, logicalId: string): boolean {
  return typeof value === 'object' && value !== null && (value as { Ref?: unknown }).Ref === logicalId;
}

/** JSON of a value with CloudFormation references, for "does this mention resource X" checks. */
export function mentions(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value).includes(`"${logicalId}"`);
}
