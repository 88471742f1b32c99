/**
 * The conversation tools as infrastructure sees them: their names and the data each may touch.
 * The CDK tools construct creates one Lambda per entry and grants exactly this access; the tool
 * implementations (runtime/tools/handlers) are keyed by the same names, and a test checks that
 * the two lists agree. Kept free of runtime imports so lib/ can read it cheaply.
 */
import type { TableKey } from '../data/table-definitions';

export type TableAccess = 'read' | 'readwrite';

export interface ToolInfrastructure {
  /** Tables the tool reads or writes; any table not listed is not reachable from its Lambda. */
  readonly tables: Partial<Record<TableKey, TableAccess>>;
  /** Creates, replaces or deletes reminder schedules (needs Scheduler access and iam:PassRole). */
  readonly managesReminders: boolean;
  /** Calls the public NHTSA vPIC API. */
  readonly usesInternet: boolean;
}

export const TOOL_CATALOG = {
  lookup_customer: {
    tables: { customers: 'read', vehicles: 'read', appointments: 'read' },
    managesReminders: false,
    usesInternet: false,
  },
  create_customer: {
    tables: { customers: 'readwrite' },
    managesReminders: false,
    usesInternet: false,
  },
  add_vehicle: {
    tables: { customers: 'read', vehicles: 'readwrite' },
    managesReminders: false,
    usesInternet: true,
  },
  get_available_slots: {
    tables: { slots: 'read' },
    managesReminders: false,
    usesInternet: false,
  },
  book_appointment: {
    // Writes the customer's reminder-call consent given while booking.
    tables: { customers: 'readwrite', vehicles: 'read', appointments: 'readwrite', slots: 'readwrite' },
    managesReminders: true,
    usesInternet: false,
  },
  get_upcoming_appointments: {
    tables: { vehicles: 'read', appointments: 'read' },
    managesReminders: false,
    usesInternet: false,
  },
  cancel_appointment: {
    tables: { appointments: 'readwrite', slots: 'readwrite' },
    managesReminders: true,
    usesInternet: false,
  },
  reschedule_appointment: {
    tables: { customers: 'read', vehicles: 'read', appointments: 'readwrite', slots: 'readwrite' },
    managesReminders: true,
    usesInternet: false,
  },
  decode_vin: {
    tables: {},
    managesReminders: false,
    usesInternet: true,
  },
  confirm_appointment: {
    tables: { appointments: 'readwrite' },
    managesReminders: false,
    usesInternet: false,
  },
  opt_out_of_reminders: {
    tables: { customers: 'readwrite', appointments: 'read' },
    managesReminders: true,
    usesInternet: false,
  },
} as const satisfies Record<string, ToolInfrastructure>;

export type ToolName = keyof typeof TOOL_CATALOG;
export const TOOL_NAMES = Object.keys(TOOL_CATALOG) as ToolName[];

/**
 * The entry point a tool's Lambda is bundled from (repository-relative): one per tool, so each bundle
 * carries only its own tool's code, and the Scheduler client only where the tool manages reminders
 * (runtime/tools/lambda-handler.ts).
 */
export function toolLambdaEntry(toolName: ToolName): string {
  return `runtime/tools/lambdas/${toolName.replaceAll('_', '-')}.ts`;
}

/** Environment variable that tells a tool Lambda which tool it is. */
export const TOOL_NAME_ENV = 'TOOL_NAME';
/** Environment variable that carries the shop configuration JSON to runtime processes. */
export const SHOP_CONFIG_ENV = 'SHOP_CONFIG';
