import type { ToolName } from '../catalog';
import type { ToolDefinition } from '../define-tool';
import { addVehicle } from './add-vehicle';
import { bookAppointmentTool } from './book-appointment';
import { cancelAppointmentTool } from './cancel-appointment';
import { confirmAppointmentTool } from './confirm-appointment';
import { createCustomer } from './create-customer';
import { decodeVinTool } from './decode-vin';
import { getAvailableSlots } from './get-available-slots';
import { getUpcomingAppointments } from './get-upcoming-appointments';
import { lookupCustomer } from './lookup-customer';
import { optOutOfRemindersTool } from './opt-out-of-reminders';
import { rescheduleAppointmentTool } from './reschedule-appointment';

/** Every conversation tool, keyed by the name the model calls it by. */
export const TOOL_DEFINITIONS = {
  lookup_customer: lookupCustomer,
  create_customer: createCustomer,
  add_vehicle: addVehicle,
  get_available_slots: getAvailableSlots,
  book_appointment: bookAppointmentTool,
  get_upcoming_appointments: getUpcomingAppointments,
  cancel_appointment: cancelAppointmentTool,
  reschedule_appointment: rescheduleAppointmentTool,
  decode_vin: decodeVinTool,
  confirm_appointment: confirmAppointmentTool,
  opt_out_of_reminders: optOutOfRemindersTool,
} satisfies Record<ToolName, ToolDefinition>;
