/**
 * Thin helpers over the cdk-nag v3 acknowledgement API (`Validations.of(c).acknowledge`), so every
 * acknowledgement sits on the construct that triggers it and always carries a reason.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const PACK = 'AwsSolutions';

/** Acknowledges one AwsSolutions rule (e.g. `'SMG4'`) on `scope` and everything below it. */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${PACK}-${rule}`, reason });
}

/**
 * Acknowledges one IAM5 wildcard finding for a resource ARN that may contain tokens. cdk-nag names the
 * finding after the flattened CloudFormation value (`<Logical.Arn>/index/*`), so the ARN is resolved
 * the same way here instead of hard-coding logical ids that change when constructs move.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flat = flattenCfnValue(Stack.of(scope).resolve(resourceArn));
  acknowledge(scope, `IAM5[Resource::${flat}]`, reason);
}

/** Mirrors cdk-nag's `flattenCfnReference`: Ref → `<Id>`, GetAtt → `<Id.Attr>`, Join → concatenation. */
export function flattenCfnValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnValue).join(delimiter);
    }
    if ('Fn::Sub' in node) return flattenCfnValue(node['Fn::Sub']);
    if ('Fn::GetAtt' in node) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnValue(resource)}.${flattenCfnValue(attribute)}>`;
    }
    if ('Fn::ImportValue' in node) return flattenCfnValue(node['Fn::ImportValue']);
    if ('Ref' in node) return `<${flattenCfnValue(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
