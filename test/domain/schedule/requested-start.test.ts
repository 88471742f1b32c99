import { describe, expect, it } from 'vitest';
import { formatUtc, parseRequestedStart } from '../../../runtime/domain/schedule';
import { exampleShop, instant } from './fixtures/shops';

const shop = exampleShop();
const now = instant('2026-12-01T18:00:00Z'); // Tuesday, December 1, 12:00 PM in Chicago

function started(text: string) {
  const parsed = parseRequestedStart(shop, text, now);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse: ${parsed.message}`);
  return parsed;
}

function failed(text: string) {
  const parsed = parseRequestedStart(shop, text, now);
  if (parsed.ok) throw new Error(`expected "${text}" to fail, got ${parsed.start.toString()}`);
  return parsed;
}

describe('parseRequestedStart', () => {
  it('reads ISO 8601 with an offset as an instant, and gives it on the shop clock', () => {
    const parsed = started('2026-12-02T09:30:00-06:00');
    expect(parsed.form).toBe('instant');
    expect(formatUtc(parsed.start)).toBe('2026-12-02T15:30:00Z');
    expect(parsed.start.timeZoneId).toBe('America/Chicago');
    expect(parsed.start.toPlainDateTime().toString()).toBe('2026-12-02T09:30:00');
  });

  it('reads an instant in Z (or another offset) and converts it to the shop zone', () => {
    expect(started('2026-12-02T15:30:00Z').start.toPlainDateTime().toString()).toBe('2026-12-02T09:30:00');
    expect(started('2026-12-02T10:30:00-05:00').start.toPlainDateTime().toString()).toBe(
      '2026-12-02T09:30:00',
    );
    expect(started('2026-12-02t15:30z').start.toPlainDateTime().toString()).toBe('2026-12-02T09:30:00');
  });

  it("reads local wall-clock time in the shop's zone, with or without seconds or a T", () => {
    for (const text of [
      '2026-12-02T09:30',
      '2026-12-02T09:30:00',
      '2026-12-02 09:30',
      ' 2026-12-02T09:30 ',
    ]) {
      const parsed = started(text);
      expect(parsed.form).toBe('local');
      expect(formatUtc(parsed.start)).toBe('2026-12-02T15:30:00Z');
    }
  });

  it('uses the offset in force on that date for local times (daylight time in July)', () => {
    expect(formatUtc(started('2026-07-07T09:30').start)).toBe('2026-07-07T14:30:00Z');
  });

  it('refuses a local time in the spring-forward gap instead of shifting it', () => {
    const parsed = failed('2026-03-08T02:30');
    expect(parsed.reason).toBe('nonexistent');
    expect(parsed.message).toBe(
      "2:30 AM on Sunday, March 8 doesn't exist because the clocks jump forward to 3:00 AM that night, so please pick another time.",
    );
  });

  it('refuses a local time that happens twice on the fall-back night instead of guessing', () => {
    const parsed = failed('2026-11-01T01:30');
    expect(parsed.reason).toBe('ambiguous');
    expect(parsed.message).toMatch(/^1:30 AM on Sunday, November 1 happens twice because the clocks go back/);
  });

  it('accepts either reading of a repeated time when it is given as an instant', () => {
    expect(formatUtc(started('2026-11-01T01:30:00-05:00').start)).toBe('2026-11-01T06:30:00Z');
    expect(formatUtc(started('2026-11-01T01:30:00-06:00').start)).toBe('2026-11-01T07:30:00Z');
  });

  it('rejects malformed text with an example in the shop format', () => {
    for (const text of [
      '',
      'tomorrow at 9',
      '9:30 AM',
      '2026-12-02',
      '2026-12-2T09:30',
      '2026/12/02 09:30',
      '2026-12-02T9:30',
      '2026-12-02T09:30:00-06:00[America/Chicago]',
      '2026-12-02T09:30:00 CST',
    ]) {
      const parsed = failed(text);
      expect(parsed.reason, text).toBe('malformed');
      expect(parsed.message).toContain('2026-12-02T09:30');
    }
  });

  it('rejects dates and times that do not exist on any calendar', () => {
    for (const text of [
      '2026-02-30T09:00',
      '2026-13-01T09:00',
      '2026-12-02T24:00',
      '2026-12-02T09:60',
      '2026-02-29T09:00Z',
    ]) {
      expect(failed(text).reason, text).toBe('invalid_date');
    }
    expect(started('2028-02-29T09:00').start.toPlainDate().toString()).toBe('2028-02-29');
  });

  it('gives one-sentence messages', () => {
    for (const text of ['nonsense', '2026-02-30T09:00', '2026-03-08T02:30', '2026-11-01T01:30']) {
      const { message } = failed(text);
      expect(
        message
          .trim()
          .split(/[.?!](\s|$)/)
          .filter((part) => part.trim()).length,
        message,
      ).toBe(1);
    }
  });
});
