import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTables, localTableNames } from '../../runtime/data/create-tables';
import { createDocumentClient } from '../../runtime/data/dynamo-client';
import type { TableNames } from '../../runtime/data/table-definitions';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

let counter = 0;

export interface TestTables {
  endpoint: string;
  client: DynamoDBClient;
  db: DynamoDBDocumentClient;
  tables: TableNames;
}

/** Fresh tables (created from the shared definitions) in the run's DynamoDB Local. */
export async function createTestTables(label = 'test'): Promise<TestTables> {
  const endpoint = inject('dynamoEndpoint');
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const prefix = `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const tables = localTableNames(prefix);
  await createTables(client, tables);
  const db = createDocumentClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return { endpoint, client, db, tables };
}
