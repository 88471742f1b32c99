import { Temporal } from 'temporal-polyfill';
import { findAvailability } from '../../domain/booking/booking-service';
import { bookingWindow, parseRequestedDate, shopToday, spokenPlainDate } from '../../domain/schedule';
import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { presentSlot } from '../present';
import { serviceTypeSchema } from './slots-and-booking';

export const getAvailableSlots = defineTool({
  name: 'get_available_slots',
  description:
    'List the bookable start times for a service on one date in the shop. When that date has none, the ' +
    'result also lists the next days that do. Offer the caller two or three times, not the whole list.',
  requiresCustomer: false,
  parameters: (shop) =>
    z.strictObject({
      date: z
        .string()
        .check(
          z.minLength(5),
          z.maxLength(10),
          z.describe("The shop's local date 'YYYY-MM-DD', or 'today' or 'tomorrow'"),
        ),
      service_type: serviceTypeSchema(shop),
    }),
  async execute(args, { deps }) {
    const now = deps.now();
    const date = parseRequestedDate(deps.shop, args.date, now);
    if (!date.ok) throw new ToolFailure('INVALID_ARGUMENT', date.message, { field: 'date' });
    // Outside the booking window "nothing free" would be a false answer (a mistaken year, a date
    // read as last month): the model is told why, so it can ask again.
    const spoken = (day: Temporal.PlainDate) => spokenPlainDate(deps.shop.timeZone, day, now);
    const today = shopToday(deps.shop, now);
    if (Temporal.PlainDate.compare(date.date, today) < 0) {
      throw new ToolFailure(
        'IN_PAST',
        `${spoken(date.date)} has already passed; today is ${spoken(today)} (${today.toString()}).`,
        { field: 'date' },
      );
    }
    const window = bookingWindow(deps.shop, now);
    if (Temporal.PlainDate.compare(date.date, window.lastDate) > 0) {
      throw new ToolFailure(
        'INVALID_ARGUMENT',
        `We only book up to ${window.maxAdvanceDays} days ahead, so please pick a date on or before ` +
          `${spoken(window.lastDate)} (${window.lastDate.toString()}).`,
        { field: 'date' },
      );
    }
    const { requested, alternatives } = await findAvailability(deps, args.service_type, date.date.toString());
    const presentDay = (day: { date: string; slots: Parameters<typeof presentSlot>[0][] }) => ({
      date: day.date,
      spoken_date: spoken(Temporal.PlainDate.from(day.date)),
      slots: day.slots.map(presentSlot),
    });
    return {
      result: {
        service_type: args.service_type,
        ...presentDay(requested),
        ...(requested.slots.length === 0 ? { next_available_days: alternatives.map(presentDay) } : {}),
      },
    };
  },
});
