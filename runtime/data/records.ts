/** The shapes stored in DynamoDB (without the pk/sk keys, which the repositories own). */

export interface Customer {
  customerId: string;
  firstName: string;
  lastName: string;
  /** E.164. */
  phone: string;
  email?: string;
  /** The customer agreed to automated reminder calls (asked while booking). */
  reminderConsent: boolean;
  reminderConsentAt?: string;
  /** The customer asked for no more reminder calls; wins over consent. */
  remindersOptedOut: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Vehicle {
  customerId: string;
  vehicleId: string;
  year?: number;
  make?: string;
  model?: string;
  trim?: string;
  vin?: string;
  createdAt: string;
}

export type AppointmentStatus = 'booked' | 'cancelled';

export interface Appointment {
  appointmentId: string;
  customerId: string;
  vehicleId: string;
  serviceId: string;
  bay: number;
  /** Shop-local wall-clock start and end, "YYYY-MM-DDTHH:MM", plus the zone they are in. */
  localStart: string;
  localEnd: string;
  timeZone: string;
  /** Derived UTC instants, "YYYY-MM-DDTHH:MM:SSZ", for indexing and sorting. */
  startUtc: string;
  endUtc: string;
  /** The UTC 15-minute slices this appointment holds on `bay` (the keys of its slot locks). */
  slices: string[];
  /** Local date under which the slot locks are stored. */
  lockDate: string;
  status: AppointmentStatus;
  /** Incremented on every change; conditional writes compare it. */
  version: number;
  notes?: string;
  cancelReason?: string;
  createdByCallSid: string;
  createdAt: string;
  updatedAt: string;
}
