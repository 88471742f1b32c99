import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { presentVehicle } from '../present';
import { decodeOrFail, vinSchema } from './vin-arguments';

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

export const addVehicle = defineTool({
  name: 'add_vehicle',
  description:
    'Add a vehicle to the customer on this call. Give the VIN if the caller has it (year and make are then ' +
    'filled in from it), otherwise at least the make and model.',
  requiresCustomer: true,
  parameters: () =>
    z.strictObject({
      year: z.optional(z.number().check(z.int(), z.gte(1950), z.lte(2100))),
      make: z.optional(text(40)),
      model: z.optional(text(60)),
      vin: z.optional(vinSchema),
    }),
  async execute(args, { session, deps }) {
    const customerId = session.customerId!;
    if (!args.vin && !args.make && !args.model) {
      throw new ToolFailure('INVALID_ARGUMENT', 'I need at least the make and model, or the VIN.', {
        field: 'make',
      });
    }
    const decoded = args.vin ? await decodeOrFail(args.vin, deps, 'vin') : null;
    const existing = await deps.vehicles.listForCustomer(customerId);
    if (decoded) {
      const same = existing.find((v) => v.vin === decoded.vin);
      if (same) return { result: { added: false, already_on_file: true, vehicle: presentVehicle(same) } };
    }
    const year = decoded?.modelYear ?? args.year;
    const make = decoded?.make ?? args.make;
    const model = (decoded?.partial === false ? decoded.model : undefined) ?? args.model;
    const vehicle = await deps.vehicles.add(
      {
        customerId,
        ...(year ? { year } : {}),
        ...(make ? { make } : {}),
        ...(model ? { model } : {}),
        ...(decoded?.trim ? { trim: decoded.trim } : {}),
        ...(decoded ? { vin: decoded.vin } : {}),
      },
      deps.now().toString({ smallestUnit: 'second' }),
    );
    return {
      result: {
        added: true,
        vehicle: presentVehicle(vehicle),
        ...(decoded?.partial
          ? { note: 'The VIN was checked offline; the model is as the caller said.' }
          : {}),
      },
    };
  },
});
