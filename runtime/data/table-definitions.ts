/**
 * DynamoDB table definitions: the one source of truth for key schemas, indexes and TTL.
 * The CDK storage construct (lib/constructs/storage.ts) and the local/test table creation
 * (runtime/data/local-tables.ts) both read these, so production and tests cannot drift.
 *
 * Item layout per table (pk / sk):
 *  customers     CUSTOMER#<id> / PROFILE            the customer
 *                PHONE#<e164>  / PHONE              phone → customer claim; makes phones unique
 *  vehicles      CUSTOMER#<id> / VEHICLE#<id>       a vehicle, always read through its owner
 *  appointments  APPT#<id>     / APPT               an appointment; index byCustomer lists a customer's
 *  slots         DAY#<localDate> / <utcSlice>#BAY#<n>  one bay held for one 15-minute slice; expires
 *                                                   through `expiresAt` a week after the slice
 *  calls         CALL#<callSid> / RECORD            call record; plus short-lived items (tokens,
 *                                                   confirmations) that expire through `expiresAt`
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Stable id used for construct ids and the local table name suffix. */
  readonly id: string;
  /** Environment variable that carries the physical table name to every runtime process. */
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalIndexes: readonly GlobalIndexDefinition[];
  readonly timeToLiveAttribute?: string;
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

export const TABLES = {
  customers: {
    id: 'Customers',
    envVar: 'CUSTOMERS_TABLE',
    partitionKey: pk,
    sortKey: sk,
    globalIndexes: [],
  },
  vehicles: {
    id: 'Vehicles',
    envVar: 'VEHICLES_TABLE',
    partitionKey: pk,
    sortKey: sk,
    globalIndexes: [],
  },
  appointments: {
    id: 'Appointments',
    envVar: 'APPOINTMENTS_TABLE',
    partitionKey: pk,
    sortKey: sk,
    globalIndexes: [
      {
        indexName: 'byCustomer',
        partitionKey: { name: 'customerId', type: 'S' },
        sortKey: { name: 'startUtc', type: 'S' },
      },
    ],
  },
  slots: {
    id: 'Slots',
    envVar: 'SLOTS_TABLE',
    partitionKey: pk,
    sortKey: sk,
    globalIndexes: [],
    // A lock only guards capacity that is still to come; past ones expire instead of piling up.
    timeToLiveAttribute: 'expiresAt',
  },
  calls: {
    id: 'Calls',
    envVar: 'CALLS_TABLE',
    partitionKey: pk,
    sortKey: sk,
    globalIndexes: [],
    timeToLiveAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof TABLES;
export const TABLE_KEYS = Object.keys(TABLES) as TableKey[];

export const APPOINTMENTS_BY_CUSTOMER_INDEX = TABLES.appointments.globalIndexes[0].indexName;

/** Physical table names, as every runtime process receives them. */
export type TableNames = Record<TableKey, string>;

/** Reads the table names from the environment; names every missing variable at once. */
export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  const missing = TABLE_KEYS.filter((key) => !env[TABLES[key].envVar]).map((key) => TABLES[key].envVar);
  if (missing.length > 0) {
    throw new Error(`missing table name environment variable(s): ${missing.join(', ')}`);
  }
  return Object.fromEntries(TABLE_KEYS.map((key) => [key, env[TABLES[key].envVar]!])) as TableNames;
}

/** The environment entries that hand the table names to a process. */
export function tableNamesToEnv(names: TableNames): Record<string, string> {
  return Object.fromEntries(TABLE_KEYS.map((key) => [TABLES[key].envVar, names[key]]));
}
