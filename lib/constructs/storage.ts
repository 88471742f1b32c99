import { RemovalPolicy } from 'aws-cdk-lib';
import { type Attribute, AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  type KeyAttribute,
  TABLE_KEYS,
  TABLES,
  type TableKey,
  type TableNames,
  tableNamesToEnv,
} from '../../runtime/data/table-definitions';

/**
 * One DynamoDB table per entry of TABLES. Keys, indexes and TTL come only from the shared definitions so
 * the deployed tables and the local test tables cannot drift apart.
 */
export class Storage extends Construct {
  public readonly tables: Record<TableKey, TableV2>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const tables: Partial<Record<TableKey, TableV2>> = {};
    for (const key of TABLE_KEYS) {
      const definition = TABLES[key];
      const timeToLiveAttribute =
        'timeToLiveAttribute' in definition ? definition.timeToLiveAttribute : undefined;
      tables[key] = new TableV2(this, definition.id, {
        partitionKey: toAttribute(definition.partitionKey),
        sortKey: toAttribute(definition.sortKey),
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // Customer and booking data must survive a mistaken `cdk destroy` or a logical-id change.
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        timeToLiveAttribute,
        globalSecondaryIndexes: definition.globalIndexes.map((index) => ({
          indexName: index.indexName,
          partitionKey: toAttribute(index.partitionKey),
          sortKey: 'sortKey' in index && index.sortKey ? toAttribute(index.sortKey) : undefined,
        })),
      });
    }
    this.tables = tables as Record<TableKey, TableV2>;
  }

  /** Physical table names (tokens), keyed like TABLES. */
  public tableNames(): TableNames {
    return Object.fromEntries(TABLE_KEYS.map((key) => [key, this.tables[key].tableName])) as TableNames;
  }

  /** Environment entries for every table, as `tableNamesFromEnv` expects them. */
  public environment(): Record<string, string> {
    return tableNamesToEnv(this.tableNames());
  }

  /** Environment entries for only the given tables, for processes that may not reach the others. */
  public environmentFor(keys: readonly TableKey[]): Record<string, string> {
    return Object.fromEntries(keys.map((key) => [TABLES[key].envVar, this.tables[key].tableName]));
  }
}

function toAttribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}
