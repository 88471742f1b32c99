import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createStacks } from '../../lib/create-stacks';
import { appOutdir } from '../support/scratch-dir';
import { exampleShop, shopWith, synthShop } from './synth';

/** Every acknowledgement recorded in the tree: rule id → reason, with the construct path. */
function acknowledgementsOf(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations?: unknown[];
}

/** Plugin reports that are not a clean pass (a report of only acknowledged findings is a pass). */
function unsuccessfulReports(app: App): PluginReport[] {
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: PluginReport[];
  };
  return report.pluginReports.filter(
    (plugin) => plugin.conclusion !== 'success' || plugin.violations?.length,
  );
}

const isNag = (acknowledgement: { id: string }) => acknowledgement.id.includes('AwsSolutions-');

describe('cdk-nag AwsSolutions', () => {
  it('passes the example shop with no unacknowledged finding, CloudFormation validation included', () => {
    // v3 runs as a validation plugin: an unacknowledged error makes the synth throw.
    const { app } = synthShop(exampleShop(), { cloudFormationValidation: true });
    expect(unsuccessfulReports(app)).toEqual([]);
  });

  it.each([
    ['region-agnostic (no ALB access logs)', () => synthShop(exampleShop(), { env: {} })],
    [
      'custom domain with certificate ARN',
      () =>
        synthShop(
          shopWith({
            customDomain: {
              domainName: 'voice.bartsauto.com',
              certificateArn:
                'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
            },
          }),
        ),
    ],
    [
      'custom domain in a hosted zone',
      () =>
        synthShop(
          shopWith({
            customDomain: {
              domainName: 'voice.bartsauto.com',
              hostedZoneId: 'Z0123456789ABCDEFGHIJ',
              hostedZoneName: 'bartsauto.com',
            },
          }),
        ),
    ],
  ])('passes the %s variant', (_name, synth) => {
    const { app } = synth();
    expect(unsuccessfulReports(app)).toEqual([]);
  });

  it('gives every acknowledgement a one-line reason', () => {
    const { app } = synthShop(exampleShop());
    const acknowledgements = acknowledgementsOf(app).filter(isNag);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgements) {
      expect(typeof reason, `${path} ${id}`).toBe('string');
      expect((reason as string).trim().length, `${path} ${id}`).toBeGreaterThan(20);
      expect(reason as string, `${path} ${id}`).not.toContain('\n');
    }
  });

  it('acknowledges rules on the constructs that trigger them, never on a whole stack', () => {
    const { app, stack } = synthShop(exampleShop());
    const paths = new Set(
      acknowledgementsOf(app)
        .filter(isNag)
        .map((a) => a.path),
    );
    expect(paths.has(stack.node.path)).toBe(false);
    expect(paths.has(app.node.path)).toBe(false);
  });

  it('is registered by createStacks: an unacknowledged violation fails the synth', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, outdir: appOutdir() });
    const [stack] = createStacks(app, [exampleShop()], { defaultEnv: {} });
    new Bucket(stack!, 'NoSslNoLogs');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
