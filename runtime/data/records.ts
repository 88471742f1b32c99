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
  /** The call in which consent was given or refused (CMP-02 evidence). */
  reminderConsentCallSid?: string;
  /** The customer asked for no more reminder calls (or declined them); wins over consent. */
  remindersOptedOut: boolean;
  remindersOptedOutAt?: string;
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

/**
 * Where the reminder call of an appointment stands. Absent = not attempted yet. 'dialing' is the
 * claim taken before calling Twilio; 'called' = Twilio accepted the call; 'retry_scheduled' = the
 * first attempt went unanswered and the single retry is pending; the rest are final.
 */
export type ReminderStatus =
  | 'dialing'
  | 'called'
  | 'retry_scheduled'
  | 'reminded'
  | 'no_answer'
  | 'busy'
  | 'failed'
  /** Twilio's answer to the create request was lost: the call may have gone out; never redialled. */
  | 'unconfirmed'
  | 'skipped_outside_window';

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
  /** Set when the customer confirmed the appointment (on a reminder call). */
  confirmedAt?: string;
  confirmedByCallSid?: string;
  /** The reminder call's state; cleared when the appointment moves (the new time gets a fresh reminder). */
  reminderStatus?: ReminderStatus;
  reminderAttempt?: 1 | 2;
  reminderClaimedAt?: string;
  reminderCallSid?: string;
  reminderAnsweredBy?: string;
  /** When the single retry is scheduled for, if one was created while dialing the first attempt. */
  reminderRetryAt?: string;
  reminderUpdatedAt?: string;
  createdByCallSid: string;
  createdAt: string;
  updatedAt: string;
}
