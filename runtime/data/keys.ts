/** Key builders for every item type; see the layout in table-definitions.ts. */
export const keys = {
  customer: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' }),
  phoneClaim: (phone: string) => ({ pk: `PHONE#${phone}`, sk: 'PHONE' }),
  vehicle: (customerId: string, vehicleId: string) => ({
    pk: `CUSTOMER#${customerId}`,
    sk: `VEHICLE#${vehicleId}`,
  }),
  vehiclesOf: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, skPrefix: 'VEHICLE#' }),
  appointment: (appointmentId: string) => ({ pk: `APPT#${appointmentId}`, sk: 'APPT' }),
  slotLock: (localDate: string, sliceUtc: string, bay: number) => ({
    pk: `DAY#${localDate}`,
    sk: `${sliceUtc}#BAY#${bay}`,
  }),
  slotDay: (localDate: string) => ({ pk: `DAY#${localDate}` }),
  callRecord: (callSid: string) => ({ pk: `CALL#${callSid}`, sk: 'RECORD' }),
  streamToken: (callSid: string) => ({ pk: `CALL#${callSid}`, sk: 'STREAM_TOKEN' }),
  conversation: (callSid: string) => ({ pk: `CALL#${callSid}`, sk: 'CONVERSATION' }),
};

/** Splits a slot lock sort key back into its slice and bay. */
export function parseSlotLockSortKey(sk: string): { sliceUtc: string; bay: number } | null {
  const match = /^(.+)#BAY#(\d+)$/.exec(sk);
  return match ? { sliceUtc: match[1]!, bay: Number(match[2]) } : null;
}
