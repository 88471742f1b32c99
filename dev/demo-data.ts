/** Demo customers, vehicles and appointments for the dev server, made through the tools themselves. */
import { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../runtime/config/shop-config';
import type { ToolName } from '../runtime/tools/catalog';
import type { ToolInvoker } from '../runtime/tools/invoker';

interface DemoCustomer {
  first: string;
  last: string;
  phone: string;
  vehicle: Record<string, unknown>;
  service?: string;
  inDays?: number;
  time?: string;
}

const DEMO: DemoCustomer[] = [
  {
    first: 'Marge',
    last: 'Simpson',
    phone: '+12175550101',
    vehicle: { year: 2019, make: 'Honda', model: 'Odyssey' },
    service: 'oil_change',
    inDays: 2,
    time: '09:30',
  },
  {
    first: 'Ned',
    last: 'Flanders',
    phone: '+12175550102',
    vehicle: { vin: '1HGCM82633A004352', model: 'Accord' },
    service: 'brake_service',
    inDays: 3,
    time: '13:00',
  },
  {
    first: 'Moe',
    last: 'Szyslak',
    phone: '+12175550103',
    vehicle: { year: 2012, make: 'Ford', model: 'F-150' },
  },
];

export async function seedDemoData(shop: ShopConfig, invoker: ToolInvoker): Promise<string[]> {
  const lines: string[] = [];
  for (const person of DEMO) {
    const session = {
      shopId: shop.shopId,
      callSid: `CAdemo${person.phone.slice(-4)}`,
      callerPhone: person.phone,
      customerId: null as string | null,
    };
    const call = async (tool: ToolName, args: Record<string, unknown>) => {
      const result = await invoker.invoke({ tool, arguments: args, session });
      session.customerId = result.session.customerId;
      if (!result.ok) throw new Error(`demo data: ${tool} failed: ${result.error.message}`);
      // biome-ignore lint/suspicious/noExplicitAny: demo script reads a few known fields of tool results
      return result.result as Record<string, any>;
    };
    await call('create_customer', { first_name: person.first, last_name: person.last });
    const vehicle = await call('add_vehicle', person.vehicle);
    let booked = '';
    if (person.service && person.inDays) {
      let date = Temporal.Now.plainDateISO(shop.timeZone).add({ days: person.inDays });
      const slots = await call('get_available_slots', {
        date: date.toString(),
        service_type: person.service,
      });
      date = Temporal.PlainDate.from((slots.slots.length ? slots : slots.next_available_days[0]).date);
      const appointment = await call('book_appointment', {
        vehicle_id: vehicle.vehicle.vehicle_id,
        service_type: person.service,
        start_time: `${date}T${person.time}`,
      }).catch(() => null);
      if (appointment) booked = `, ${appointment.appointment.service} ${appointment.appointment.spoken}`;
    }
    lines.push(`${person.first} ${person.last}  ${person.phone}  ${vehicle.vehicle.description}${booked}`);
  }
  return lines;
}
