import type { ToolSession } from '../../runtime/tools/contract';
import { expectOk, type ToolHarness } from './tool-harness';

let phoneCounter = 1000;

/** A new customer with one vehicle, and a session bound to them, as after lookup/create. */
export async function customerWithVehicle(h: ToolHarness, lastName = 'Tester', areaCode = '217') {
  const callerPhone = `+1${areaCode}555${String(phoneCounter++).padStart(4, '0')}`;
  const session: ToolSession = h.session({ callerPhone });
  const created = await h.call('create_customer', { first_name: 'Pat', last_name: lastName }, session);
  const customerId = expectOk(created).customer.customer_id as string;
  const bound = { ...session, customerId };
  const vehicle = expectOk(await h.call('add_vehicle', { year: 2019, make: 'Honda', model: 'Civic' }, bound));
  return { session: bound, customerId, vehicleId: vehicle.vehicle.vehicle_id as string };
}
