/**
 * The reminder dialer's entry point. The stack already deploys this function (schedule group,
 * role and dead-letter queue are wired), but reminder calls are not built yet: bookings create no
 * schedules, so nothing invokes it. Until then an invocation fails loudly, which lands the event in
 * the dead-letter queue and fires the dialer-errors alarm rather than pretending a call was placed.
 */
export const handler = async (): Promise<never> => {
  throw new Error('reminder dialing is not available in this version of Pitcrew');
};
