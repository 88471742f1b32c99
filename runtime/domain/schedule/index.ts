/**
 * Scheduling domain: pure functions over the shop configuration and an injected `now`. Nothing here
 * reads the clock, the process time zone, the network or storage.
 */
export { availableSlots, freeBays, isAvailable, lockKey, pickFreeBay } from './bays';
export {
  boundaryInstant,
  formatLocal,
  formatUtc,
  type LocalTimeResolution,
  localDateTime,
  resolveLocalTime,
} from './local-time';
export {
  hoursOn,
  isClosedDate,
  isListedClosedDate,
  type LocalHours,
  nextDates,
  type OpeningInterval,
  openingIntervals,
} from './opening-hours';
export {
  type DateParseFailure,
  type ParsedDate,
  type ParsedStart,
  parseRequestedDate,
  parseRequestedStart,
  type StartParseFailure,
} from './requested-time';
export {
  describeNowForPrompt,
  type ShopLocalDay,
  shopLocalDay,
  shopNow,
  shopToday,
  weekdayOf,
} from './shop-clock';
export { type SlotRejectionReason, type SlotValidation, validateRequestedSlot } from './slot-validation';
export {
  type BookingWindow,
  bookingWindow,
  buildSlot,
  candidateSlots,
  DEFAULT_MAX_ADVANCE_DAYS,
  DEFAULT_MIN_LEAD_MINUTES,
  findService,
  SLOT_STEP_MINUTES,
  type SlotCandidate,
  type SlotOptions,
  slotStart,
} from './slots';
export {
  spokenClockTime,
  spokenDate,
  spokenDateTime,
  spokenDuration,
  spokenPlainDate,
  spokenTime,
  spokenWallClock,
} from './spoken';
