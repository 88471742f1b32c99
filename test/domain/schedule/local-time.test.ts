import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { boundaryInstant, formatLocal, formatUtc, resolveLocalTime } from '../../../runtime/domain/schedule';

const CHICAGO = 'America/Chicago';
const local = (text: string) => Temporal.PlainDateTime.from(text);

describe('resolveLocalTime', () => {
  it('resolves an ordinary local time to its single instant', () => {
    const resolved = resolveLocalTime(CHICAGO, local('2026-12-02T09:30'));
    expect(resolved.kind).toBe('ok');
    if (resolved.kind === 'ok') expect(formatUtc(resolved.zoned)).toBe('2026-12-02T15:30:00Z');
  });

  it('classifies a time in the spring-forward gap as nonexistent and says where the clock resumes', () => {
    const resolved = resolveLocalTime(CHICAGO, local('2026-03-08T02:30'));
    expect(resolved.kind).toBe('nonexistent');
    if (resolved.kind === 'nonexistent') {
      expect(resolved.resumesAt.toString()).toBe('2026-03-08T03:00:00-05:00[America/Chicago]');
    }
  });

  it('classifies a time in the fall-back overlap as ambiguous with both instants', () => {
    const resolved = resolveLocalTime(CHICAGO, local('2026-11-01T01:30'));
    expect(resolved.kind).toBe('ambiguous');
    if (resolved.kind === 'ambiguous') {
      expect(formatUtc(resolved.earlier)).toBe('2026-11-01T06:30:00Z');
      expect(formatUtc(resolved.later)).toBe('2026-11-01T07:30:00Z');
    }
  });

  it('treats the edges of the transitions correctly', () => {
    expect(resolveLocalTime(CHICAGO, local('2026-03-08T01:59')).kind).toBe('ok');
    expect(resolveLocalTime(CHICAGO, local('2026-03-08T02:00')).kind).toBe('nonexistent');
    expect(resolveLocalTime(CHICAGO, local('2026-03-08T03:00')).kind).toBe('ok');
    expect(resolveLocalTime(CHICAGO, local('2026-11-01T00:59')).kind).toBe('ok');
    expect(resolveLocalTime(CHICAGO, local('2026-11-01T01:00')).kind).toBe('ambiguous');
    expect(resolveLocalTime(CHICAGO, local('2026-11-01T01:59')).kind).toBe('ambiguous');
    expect(resolveLocalTime(CHICAGO, local('2026-11-01T02:00')).kind).toBe('ok');
  });

  it('never finds a gap or overlap in a zone without DST', () => {
    expect(resolveLocalTime('America/Phoenix', local('2026-03-08T02:30')).kind).toBe('ok');
    expect(resolveLocalTime('Pacific/Honolulu', local('2026-11-01T01:30')).kind).toBe('ok');
  });
});

describe('boundaryInstant', () => {
  it('puts an opening or closing time inside a gap at the moment the clock jumps', () => {
    expect(formatUtc(boundaryInstant(CHICAGO, local('2026-03-08T02:30'), 'open'))).toBe(
      '2026-03-08T08:00:00Z',
    );
    expect(formatUtc(boundaryInstant(CHICAGO, local('2026-03-08T02:30'), 'close'))).toBe(
      '2026-03-08T08:00:00Z',
    );
  });

  it('keeps the interval short at a repeated time: opens at the second reading, closes at the first', () => {
    expect(formatUtc(boundaryInstant(CHICAGO, local('2026-11-01T01:30'), 'open'))).toBe(
      '2026-11-01T07:30:00Z',
    );
    expect(formatUtc(boundaryInstant(CHICAGO, local('2026-11-01T01:30'), 'close'))).toBe(
      '2026-11-01T06:30:00Z',
    );
  });
});

describe('formatting', () => {
  it('formats the stored local form and the UTC form', () => {
    const zdt = Temporal.ZonedDateTime.from('2026-12-02T09:30:00-06:00[America/Chicago]');
    expect(formatLocal(zdt)).toBe('2026-12-02T09:30');
    expect(formatUtc(zdt)).toBe('2026-12-02T15:30:00Z');
    expect(formatUtc(zdt.toInstant())).toBe('2026-12-02T15:30:00Z');
  });
});

describe('formatUtc', () => {
  it("formats like Temporal's second-precision toString for any instant, before 1970 and after 9999 too", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -8_640_000_000_000_000_000_000n, max: 8_640_000_000_000_000_000_000n }),
        (ns) => {
          const instant = Temporal.Instant.fromEpochNanoseconds(ns);
          expect(formatUtc(instant)).toBe(instant.toString({ smallestUnit: 'second' }));
        },
      ),
    );
  });
});
