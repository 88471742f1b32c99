import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import type { ShopConfig } from '../../runtime/config/shop-config';
import { TABLES, type TableKey } from '../../runtime/data/table-definitions';
import {
  SHOP_CONFIG_ENV,
  TOOL_CATALOG,
  TOOL_NAME_ENV,
  TOOL_NAMES,
  type ToolInfrastructure,
  type ToolName,
  toolLambdaEntry,
} from '../../runtime/tools/catalog';
import { acknowledgeWildcardResource } from '../nag';
import { pascalCase } from '../naming';
import { createNodeFunction } from './node-function';
import type { Reminders } from './reminders';
import type { Storage } from './storage';

export const VPIC_BASE_URL = 'https://vpic.nhtsa.dot.gov/api';

export interface ToolsProps {
  readonly shop: ShopConfig;
  readonly storage: Storage;
  readonly reminders: Reminders;
}

/**
 * One Lambda per conversation tool. Each gets exactly the table access TOOL_CATALOG declares, and only
 * the table-name variables of those tables, so a tool cannot reach data it was not designed to touch.
 */
export class Tools extends Construct {
  public readonly functions: Record<ToolName, NodejsFunction>;

  constructor(scope: Construct, id: string, props: ToolsProps) {
    super(scope, id);
    const { shop, storage, reminders } = props;
    const functions: Partial<Record<ToolName, NodejsFunction>> = {};

    for (const toolName of TOOL_NAMES) {
      const spec: ToolInfrastructure = TOOL_CATALOG[toolName];
      const tableAccess = Object.entries(spec.tables) as [TableKey, 'read' | 'readwrite'][];

      const fn = createNodeFunction(this, pascalCase(toolName), {
        entry: toolLambdaEntry(toolName),
        description: `Pitcrew ${shop.shopId}: ${toolName} tool`,
        environment: {
          [TOOL_NAME_ENV]: toolName,
          [SHOP_CONFIG_ENV]: JSON.stringify(shop),
          ...storage.environmentFor(tableAccess.map(([key]) => key)),
          ...(spec.managesReminders
            ? {
                REMINDER_SCHEDULE_GROUP: reminders.group.scheduleGroupName,
                REMINDER_TARGET_ARN: reminders.dialer.functionArn,
                REMINDER_ROLE_ARN: reminders.role.roleArn,
                REMINDER_DLQ_ARN: reminders.deadLetterQueue.queueArn,
              }
            : {}),
          ...(spec.usesInternet ? { VPIC_BASE_URL } : {}),
        },
      });

      for (const [key, access] of tableAccess) {
        const table = storage.tables[key];
        if (access === 'read') table.grantReadData(fn);
        else table.grantReadWriteData(fn);
        if (TABLES[key].globalIndexes.length > 0) {
          acknowledgeWildcardResource(
            fn.role!,
            `${table.tableArn}/index/*`,
            `Queries the ${key} table's global secondary indexes, whose ARNs end in the index name.`,
          );
        }
      }

      if (spec.managesReminders) this.grantReminderScheduling(fn, reminders);
      functions[toolName] = fn;
    }
    this.functions = functions as Record<ToolName, NodejsFunction>;
  }

  private grantReminderScheduling(fn: NodejsFunction, reminders: Reminders): void {
    reminders.grantScheduling(fn, { delete: true });
  }
}
