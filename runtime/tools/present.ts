/**
 * How records are shown to the model: the machine form it passes back to tools next to the
 * spoken form it reads out, and no more personal data than the conversation needs (SEC-21).
 */
import { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { Appointment, Customer, Vehicle } from '../data/records';
import { type SlotCandidate, spokenClockTime, spokenDateTime, spokenDuration } from '../domain/schedule';
import type { ToolDependencies } from './define-tool';

export function describeVehicle(vehicle: Pick<Vehicle, 'year' | 'make' | 'model'>): string {
  const text = [vehicle.year, vehicle.make, vehicle.model].filter(Boolean).join(' ');
  return text || 'vehicle (details unknown)';
}

export function presentVehicle(vehicle: Vehicle) {
  return {
    vehicle_id: vehicle.vehicleId,
    description: describeVehicle(vehicle),
    ...(vehicle.year ? { year: vehicle.year } : {}),
    ...(vehicle.make ? { make: vehicle.make } : {}),
    ...(vehicle.model ? { model: vehicle.model } : {}),
    vin_on_file: Boolean(vehicle.vin),
  };
}

function zoned(utc: string, timeZone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.from(utc).toZonedDateTimeISO(timeZone);
}

/** ISO 8601 with the shop's offset, e.g. "2026-12-02T09:30:00-06:00": unambiguous when passed back. */
export function machineTime(zdt: Temporal.ZonedDateTime): string {
  return zdt.toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

export function presentAppointment(
  appointment: Appointment,
  shop: ShopConfig,
  now: Temporal.Instant,
  vehicles: readonly Vehicle[] = [],
) {
  const start = zoned(appointment.startUtc, appointment.timeZone);
  const service = shop.services.find((s) => s.id === appointment.serviceId);
  const vehicle = vehicles.find((v) => v.vehicleId === appointment.vehicleId);
  const minutes = Math.round(
    Temporal.Instant.from(appointment.endUtc)
      .since(Temporal.Instant.from(appointment.startUtc))
      .total('minutes'),
  );
  return {
    appointment_id: appointment.appointmentId,
    status: appointment.status,
    service_type: appointment.serviceId,
    service: service?.name ?? appointment.serviceId,
    vehicle_id: appointment.vehicleId,
    ...(vehicle ? { vehicle: describeVehicle(vehicle) } : {}),
    start_time: machineTime(start),
    spoken: spokenDateTime(start, now),
    duration: spokenDuration(minutes),
    ...(Temporal.Instant.compare(start.toInstant(), now) <= 0 ? { in_progress: true } : {}),
  };
}

/**
 * A slot as the model sees it: `machineTime` and `spokenTime` of its start, read straight off the
 * slot's wall-clock and UTC strings (a test holds them to the Temporal forms). A slot list has a
 * dozen or more entries, and this keeps the time-zone arithmetic out of presenting them.
 */
export function presentSlot(slot: SlotCandidate) {
  const hour = Number(slot.localStart.slice(11, 13));
  const minute = Number(slot.localStart.slice(14, 16));
  return { start_time: `${slot.localStart}:00${utcOffsetOf(slot)}`, spoken: spokenClockTime(hour, minute) };
}

/** "-06:00": the zone's offset at the slot's start, the difference of its wall-clock and UTC readings. */
function utcOffsetOf(slot: SlotCandidate): string {
  const minutes = Math.round((Date.parse(`${slot.localStart}:00Z`) - Date.parse(slot.startUtc)) / 60_000);
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

export async function customerProfile(customer: Customer, deps: ToolDependencies) {
  const now = deps.now();
  const [vehicles, upcoming] = await Promise.all([
    deps.vehicles.listForCustomer(customer.customerId),
    deps.appointments.listUpcoming(customer.customerId, now.toString({ smallestUnit: 'second' })),
  ]);
  return {
    customer: {
      customer_id: customer.customerId,
      first_name: customer.firstName,
      last_name: customer.lastName,
      phone_ending: customer.phone.slice(-4),
      has_email: Boolean(customer.email),
      reminder_calls: customer.remindersOptedOut
        ? 'opted_out'
        : customer.reminderConsent
          ? 'agreed'
          : 'not_asked',
    },
    vehicles: vehicles.map(presentVehicle),
    upcoming_appointments: upcoming.map((a) => presentAppointment(a, deps.shop, now, vehicles)),
  };
}
