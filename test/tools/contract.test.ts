import { describe, expect, it } from 'vitest';
import { CustomersRepository } from '../../runtime/data/customers-repo';
import { createLogger } from '../../runtime/observability/logger';
import { TOOL_CATALOG, TOOL_NAMES } from '../../runtime/tools/catalog';
import { parametersFor, toOpenAiTool } from '../../runtime/tools/define-tool';
import { executeTool } from '../../runtime/tools/execute-tool';
import { TOOL_DEFINITIONS } from '../../runtime/tools/handlers';
import { createToolHarness, exampleShop } from '../support/tool-harness';

describe('tool contract', () => {
  it('every tool in the infrastructure catalog has exactly one implementation, and vice versa', () => {
    expect(Object.keys(TOOL_DEFINITIONS).sort()).toEqual(Object.keys(TOOL_CATALOG).sort());
    for (const name of TOOL_NAMES) expect(TOOL_DEFINITIONS[name].name).toBe(name);
  });

  it('the JSON Schema the model sees is generated from the validating zod schema, closed to extra keys', () => {
    const shop = exampleShop();
    for (const name of TOOL_NAMES) {
      const spec = toOpenAiTool(TOOL_DEFINITIONS[name], shop);
      expect(spec.type).toBe('function');
      expect(spec.function.name).toBe(name);
      expect(spec.function.description.length).toBeGreaterThan(20);
      expect(spec.function.parameters).toMatchObject({ type: 'object', additionalProperties: false });
    }
    const slots = toOpenAiTool(TOOL_DEFINITIONS.get_available_slots, shop).function.parameters as any;
    expect(slots.required).toEqual(['date', 'service_type']);
    expect(slots.properties.service_type.enum).toEqual(shop.services.map((s) => s.id));
  });

  it('builds a tool’s argument schema once per shop, each shop with its own services', () => {
    const shop = exampleShop();
    const other = exampleShop({ services: shop.services.slice(0, 1) });
    const slots = TOOL_DEFINITIONS.get_available_slots;
    expect(parametersFor(slots, shop)).toBe(parametersFor(slots, shop));
    expect(parametersFor(slots, other)).not.toBe(parametersFor(slots, shop));
    const secondService = { date: 'tomorrow', service_type: shop.services[1]!.id };
    expect(parametersFor(slots, shop).safeParse(secondService).success).toBe(true);
    expect(parametersFor(slots, other).safeParse(secondService).success).toBe(false);
  });

  it('a malformed event, another shop’s session, or an unknown tool is refused without throwing', async () => {
    const h = await createToolHarness();
    const session = h.session();
    const cases: unknown[] = [
      null,
      'lookup_customer',
      { tool: 'drop_tables', arguments: {}, session },
      { tool: 'lookup_customer', arguments: [], session },
      { tool: 'lookup_customer', arguments: {}, session: { ...session, callSid: undefined } },
      { tool: 'lookup_customer', arguments: {}, session: { ...session, shopId: 'other-shop' } },
    ];
    for (const event of cases) {
      const result = await executeTool(event, h.deps, TOOL_DEFINITIONS);
      expect(result, JSON.stringify(event)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      if (!result.ok) expect(result.error.message.length).toBeGreaterThan(5);
    }
  });

  it('a tool the caller was not given is refused by name (a tool Lambda runs only its own)', async () => {
    const h = await createToolHarness();
    const result = await executeTool(
      { tool: 'cancel_appointment', arguments: { appointment_id: 'x' }, session: h.session() },
      h.deps,
      { lookup_customer: TOOL_DEFINITIONS.lookup_customer },
    );
    expect(result).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'This function only runs lookup_customer.', field: 'tool' },
      session: { customerId: null },
    });
  });

  it('an unexpected failure is INTERNAL to the model and logged with where it happened', async () => {
    const h = await createToolHarness();
    // A table that does not exist: DynamoDB Local's own ResourceNotFoundException.
    const deps = { ...h.deps, customers: new CustomersRepository(h.db, 'pitcrew-no-such-table') };
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => lines.push(line) } });
    const result = await executeTool(
      { tool: 'lookup_customer', arguments: {}, session: h.session() },
      deps,
      TOOL_DEFINITIONS,
      logger,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ msg: 'tool failed', err: { name: 'ResourceNotFoundException' } });
    const frames = String(line.err.stack).split('\n');
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) expect(frame).toMatch(/^\s+at /);
  });
});
