import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ShopConfig } from '../runtime/config/shop-config';
import { PitcrewStack } from './pitcrew-stack';

export interface CreateStacksOptions {
  /**
   * Account/region for shops whose file has no `aws` block. Defaults to the CLI's CDK_DEFAULT_ACCOUNT /
   * CDK_DEFAULT_REGION; tests pass a fixed value so templates do not depend on the machine.
   */
  readonly defaultEnv?: Environment;
}

/** Adds the cdk-nag AwsSolutions checks and one `Pitcrew-<shopId>` stack per shop. Shared by bin/ and tests. */
export function createStacks(
  app: App,
  shops: readonly ShopConfig[],
  options: CreateStacksOptions = {},
): PitcrewStack[] {
  // v3 runs as a policy-validation plugin: any unacknowledged error fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const defaultEnv = options.defaultEnv ?? {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  return shops.map(
    (shop) =>
      new PitcrewStack(app, `Pitcrew-${shop.shopId}`, {
        shop,
        description: `Pitcrew AI phone receptionist for ${shop.displayName} (${shop.shopId})`,
        env: {
          account: shop.aws?.account ?? defaultEnv.account,
          region: shop.aws?.region ?? defaultEnv.region,
        },
      }),
  );
}
