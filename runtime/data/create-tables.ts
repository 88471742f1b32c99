/**
 * Creates the tables from TABLES exactly as the CDK storage construct declares them; used by
 * `npm run dev` and the tests against DynamoDB Local.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS, TABLES, type TableDefinition, type TableNames } from './table-definitions';

export function localTableNames(prefix: string): TableNames {
  return Object.fromEntries(TABLE_KEYS.map((key) => [key, `${prefix}-${TABLES[key].id}`])) as TableNames;
}

function createTableInput(name: string, definition: TableDefinition): CreateTableCommandInput {
  const keyAttributes = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalIndexes.flatMap((index) =>
      index.sortKey ? [index.partitionKey, index.sortKey] : [index.partitionKey],
    ),
  ];
  const attributeDefinitions = [...new Map(keyAttributes.map((a) => [a.name, a])).values()].map((a) => ({
    AttributeName: a.name,
    AttributeType: a.type,
  }));
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions,
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes:
      definition.globalIndexes.length === 0
        ? undefined
        : definition.globalIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
              ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
  };
}

/** Creates any missing table; existing tables are left as they are. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    TABLE_KEYS.map(async (key) => {
      const definition: TableDefinition = TABLES[key];
      try {
        await client.send(new CreateTableCommand(createTableInput(names[key], definition)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await client.send(new DescribeTableCommand({ TableName: names[key] }));
      if (definition.timeToLiveAttribute) {
        await client
          .send(
            new UpdateTimeToLiveCommand({
              TableName: names[key],
              TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
            }),
          )
          .catch((error: Error) => {
            // Re-enabling TTL on an existing table is refused; the setting is already there.
            if (!/already enabled/i.test(error.message)) throw error;
          });
      }
    }),
  );
}
