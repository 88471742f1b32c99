/** How a reminder outcome is shown to the model: whether a call is planned and when, spoken. */
import type { Temporal } from 'temporal-polyfill';
import { spokenDateTime } from '../../domain/schedule';
import type { ReminderSyncResult } from '../../reminders/reminder-sync';

const NOTES: Record<string, string> = {
  no_consent: 'No reminder call: the customer has not agreed to automated reminder calls.',
  opted_out: 'No reminder call: the customer asked not to get reminder calls.',
  disabled: 'This shop does not make reminder calls.',
  too_soon: 'The appointment is too soon for a reminder call.',
  no_calling_time:
    "No reminder call: there is no time before the appointment inside calling hours both here and where the customer's number is from.",
  not_configured: 'Reminder calls are not set up in this environment.',
  cancelled: 'No reminder call for a cancelled appointment.',
  failed: 'The reminder call could not be set up right now; the appointment itself is booked.',
};

export function presentReminder(result: ReminderSyncResult, now: Temporal.Instant) {
  if (result.status === 'scheduled') {
    return { reminder_call: { scheduled: true, spoken: spokenDateTime(result.at, now) } };
  }
  const note = result.status === 'failed' ? NOTES.failed : NOTES[result.reason];
  return { reminder_call: { scheduled: false, note } };
}
