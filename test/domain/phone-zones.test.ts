import { describe, expect, it } from 'vitest';
import { zonesOfNumber } from '../../runtime/domain/phone-zones';

describe('zonesOfNumber', () => {
  it("gives the zone of a North American number's area code", () => {
    expect(zonesOfNumber('+12175550100')).toEqual(['America/Chicago']);
    expect(zonesOfNumber('+12065550100')).toEqual(['America/Los_Angeles']);
    expect(zonesOfNumber('+18085550100')).toEqual(['Pacific/Honolulu']);
  });

  it('narrows an area code that spans zones by its exchange, and lists both when it cannot', () => {
    expect(zonesOfNumber('+12082015555')).toEqual(['America/Denver']);
    expect(zonesOfNumber('+12082155555')).toEqual(['America/Los_Angeles']);
    expect(zonesOfNumber('+12089995555')).toEqual(['America/Boise', 'America/Los_Angeles']);
  });

  it('knows nothing of numbers outside North America, unknown area codes or malformed input', () => {
    expect(zonesOfNumber('+442071234567')).toEqual([]);
    expect(zonesOfNumber('+19995550100')).toEqual([]);
    expect(zonesOfNumber('2175550100')).toEqual([]);
    expect(zonesOfNumber('')).toEqual([]);
  });
});
