import { describe, expect, it } from 'vitest';
import { TABLE_KEYS, TABLES } from '../../runtime/data/table-definitions';
import { resourceNamed, resourcesOf, synthExample } from './synth';

const TABLE_TYPE = 'AWS::DynamoDB::GlobalTable';

function keySchema(partition: { name: string }, sort?: { name: string }) {
  return [
    { AttributeName: partition.name, KeyType: 'HASH' },
    ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' }] : []),
  ];
}

describe('storage', () => {
  const { template, stack } = synthExample();

  it('creates exactly one table per entry of TABLES', () => {
    expect(Object.keys(resourcesOf(template, TABLE_TYPE))).toHaveLength(TABLE_KEYS.length);
  });

  describe.each(TABLE_KEYS)('the %s table', (key) => {
    const definition = TABLES[key];
    const table = () => resourceNamed(template, TABLE_TYPE, `Storage${definition.id}`);

    it('has the keys, indexes and TTL of its definition', () => {
      const { Properties } = table();
      expect(Properties.KeySchema).toEqual(keySchema(definition.partitionKey, definition.sortKey));
      const indexes = (Properties.GlobalSecondaryIndexes ?? []).map(
        (index: { IndexName: string; KeySchema: unknown }) => ({
          name: index.IndexName,
          keys: index.KeySchema,
        }),
      );
      expect(indexes).toEqual(
        definition.globalIndexes.map((index) => ({
          name: index.indexName,
          keys: keySchema(index.partitionKey, 'sortKey' in index ? index.sortKey : undefined),
        })),
      );
      const ttl = 'timeToLiveAttribute' in definition ? definition.timeToLiveAttribute : undefined;
      expect(Properties.TimeToLiveSpecification).toEqual(
        ttl ? { AttributeName: ttl, Enabled: true } : undefined,
      );
    });

    it('is on-demand with point-in-time recovery and deletion protection', () => {
      const { Properties } = table();
      expect(Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Properties.Replicas).toHaveLength(1);
      expect(Properties.Replicas[0]).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    });

    it('is retained when the stack or the resource goes away', () => {
      const resource = template.toJSON().Resources[table().logicalId];
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    });
  });

  it('hands every table name to processes under the variable TABLES names', () => {
    const env = stack.storage.environment();
    expect(Object.keys(env).sort()).toEqual(TABLE_KEYS.map((key) => TABLES[key].envVar).sort());
    expect(Object.keys(stack.storage.environmentFor(['slots']))).toEqual([TABLES.slots.envVar]);
  });
});
