/** The VIN argument of decode_vin and add_vehicle, and how both check and decode it. */
import { decodeVin, validateVin } from '../../domain/vin';
import * as z from '../../zod';
import { ToolFailure } from '../contract';
import type { ToolDependencies } from '../define-tool';

export const vinSchema = z
  .string()
  .check(z.minLength(11), z.maxLength(40), z.describe('The 17-character VIN as the caller reads it'));

/** Validates and decodes, or fails with INVALID_ARGUMENT naming `field`. */
export async function decodeOrFail(text: string, deps: ToolDependencies, field: string) {
  const valid = validateVin(text);
  if (!valid.ok) throw new ToolFailure('INVALID_ARGUMENT', valid.message, { field });
  const now = deps.now();
  return decodeVin(valid.vin, {
    ...(deps.vin.vpicBaseUrl ? { vpicBaseUrl: deps.vin.vpicBaseUrl } : {}),
    ...(deps.vin.timeoutMs ? { timeoutMs: deps.vin.timeoutMs } : {}),
    now: new Date(now.epochMilliseconds),
  });
}
