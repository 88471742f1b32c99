import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseShopConfig, parseShopConfigJson, ShopConfigError } from '../../runtime/config/shop-config';

const exampleJson = readFileSync(new URL('../../shops/example.json', import.meta.url), 'utf8');
const example = () => JSON.parse(exampleJson) as Record<string, any>;

function problems(mutate: (config: Record<string, any>) => void): string[] {
  const config = example();
  mutate(config);
  try {
    parseShopConfig(config, 'shops/test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ShopConfigError);
    expect((error as Error).message).toMatch(/^shops\/test\.json: invalid shop configuration\n/);
    return (error as ShopConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('shop configuration', () => {
  it('accepts the example shop and fills in the defaults', () => {
    const shop = parseShopConfigJson(exampleJson, 'shops/example.json');
    expect(shop).toMatchObject({
      shopId: 'example',
      displayName: "Bart's Automotive",
      timeZone: 'America/Chicago',
      bays: 3,
      assistant: { personaName: 'Sophie' },
      reminders: { leadTimeHours: 24, callingWindow: { start: '09:00', end: '19:00' } },
    });
    expect(shop.services.map((s) => [s.id, s.durationMinutes])).toEqual([
      ['oil_change', 30],
      ['tire_rotation', 45],
      ['brake_service', 120],
      ['inspection', 60],
      ['general_service', 90],
      ['engine_diagnostics', 90],
    ]);
    expect(shop.openingHours.sunday).toEqual([]);
    expect(shop.openingHours.saturday).toEqual([{ open: '09:00', close: '15:00' }]);
  });

  it.each([
    [
      'an unknown time zone',
      (c: any) => (c.timeZone = 'America/Springfield'),
      'timeZone: must be an IANA time zone',
    ],
    [
      'overlapping hours',
      (c: any) => c.openingHours.monday.push({ open: '17:00', close: '19:00' }),
      'openingHours.monday[1].open: overlaps the interval 08:00–18:00',
    ],
    [
      'closing before opening',
      (c: any) => (c.openingHours.friday = [{ open: '18:00', close: '08:00' }]),
      'openingHours.friday[0].close: must be after open',
    ],
    [
      'a duration of 0',
      (c: any) => (c.services[0].durationMinutes = 0),
      'services[0].durationMinutes: must be more than 0',
    ],
    [
      'a duration off the 15-minute grid',
      (c: any) => (c.services[1].durationMinutes = 40),
      'services[1].durationMinutes: must be a multiple of 15',
    ],
    [
      'a malformed phone number',
      (c: any) => (c.phoneNumber = '217-555-0142'),
      'phoneNumber: must be an E.164 phone number',
    ],
    [
      'an impossible phone number',
      (c: any) => (c.transferNumber = '+10005550142'),
      'transferNumber: is not a valid phone number',
    ],
    ['a missing field', (c: any) => delete c.displayName, 'displayName: is required'],
    ['a misspelt field', (c: any) => (c.alarmEmial = 'x@example.com'), 'alarmEmial: is not a known field'],
    ['a bad e-mail', (c: any) => (c.alarmEmail = 'alerts'), 'alarmEmail: must be an e-mail address'],
    [
      'a bay that does not exist',
      (c: any) => (c.services[2].bays = [1, 4]),
      'services[2].bays[1]: bay 4 does not exist',
    ],
    [
      'duplicate service ids',
      (c: any) => (c.services[1].id = 'oil_change'),
      'services[1].id: duplicates "oil_change"',
    ],
    [
      'a calling window at night',
      (c: any) => (c.reminders.callingWindow = { start: '07:00', end: '22:00' }),
      'reminders.callingWindow.start: must not be before 08:00',
    ],
    [
      'a closed date that is not a date',
      (c: any) => (c.closedDates = ['2026-02-30']),
      'closedDates[0]: is not a real calendar date',
    ],
    [
      "a transfer to the assistant's own number",
      (c: any) => (c.transferNumber = c.phoneNumber),
      "transferNumber: must not be the shop's Twilio number",
    ],
    [
      'a hosted zone id without its name',
      (c: any) => (c.customDomain = { domainName: 'voice.example.com', hostedZoneId: 'Z0123456789ABC' }),
      'customDomain.hostedZoneName: is required with hostedZoneId',
    ],
    [
      'a domain outside its hosted zone',
      (c: any) =>
        (c.customDomain = {
          domainName: 'voice.example.org',
          hostedZoneId: 'Z0123456789ABC',
          hostedZoneName: 'example.com',
        }),
      'customDomain.domainName: must be inside the hosted zone "example.com"',
    ],
    [
      'a VPC without account and region',
      (c: any) => (c.vpcId = 'vpc-0123456789abcdef0'),
      'aws: account and region are required',
    ],
  ])('rejects %s with a message naming the field', (_name, mutate, expected) => {
    expect(problems(mutate).join('\n')).toContain(expected);
  });

  it('says "is required" for every field that must be there, whatever its own message for a bad value', () => {
    const required: string[] = [];
    for (const [scope, fields] of [
      ['', Object.keys(example())],
      ['services[0].', Object.keys(example().services[0])],
    ] as const) {
      for (const field of fields) {
        const config = example();
        if (scope) delete config.services[0][field];
        else delete config[field];
        let found: string[];
        try {
          parseShopConfig(config, 'shops/test.json');
          continue; // optional, or defaulted
        } catch (error) {
          found = (error as ShopConfigError).problems;
        }
        required.push(`${scope}${field}`);
        expect(found, `${scope}${field}`).toEqual([`${scope}${field}: is required`]);
      }
    }
    expect(required).toEqual(expect.arrayContaining(['shopId', 'alarmEmail', 'services[0].id']));
  });

  it('accepts a time zone by its canonical name, an alias or UTC, and refuses an abbreviation', () => {
    for (const zone of ['America/Chicago', 'America/Argentina/Buenos_Aires', 'US/Central', 'UTC']) {
      const config = example();
      config.timeZone = zone;
      expect(parseShopConfig(config, 'shops/test.json').timeZone).toBe(zone);
    }
    expect(problems((c) => (c.timeZone = 'CST'))).toEqual([
      'timeZone: must be an IANA time zone such as "America/Chicago"',
    ]);
  });

  it('reports every wrong field at once, one line each', () => {
    const found = problems((c) => {
      c.timeZone = 'Nowhere';
      c.bays = 0;
      delete c.alarmEmail;
    });
    expect(found).toHaveLength(3);
    expect(found.map((line) => line.split(':')[0]).sort()).toEqual(['alarmEmail', 'bays', 'timeZone']);
  });

  it('rejects text that is not JSON with a clear message', () => {
    expect(() => parseShopConfigJson('{ "shopId": ', 'shops/broken.json')).toThrow(
      /shops\/broken\.json: invalid shop configuration\n {2}- not valid JSON/,
    );
  });
});
