import { describe, expect, it } from 'vitest';
import { countryForWmi, KNOWN_MAKES, lookupWmi, wmiTable } from '../../../runtime/domain/vin/wmi';

const BRIEF_MAKES = [
  'Acura',
  'Audi',
  'BMW',
  'Buick',
  'Cadillac',
  'Chevrolet',
  'Chrysler',
  'Dodge',
  'Ram',
  'Jeep',
  'Fiat',
  'Ford',
  'Lincoln',
  'Mercury',
  'GMC',
  'Pontiac',
  'Saturn',
  'Honda',
  'Hyundai',
  'Genesis',
  'Infiniti',
  'Nissan',
  'Kia',
  'Lexus',
  'Toyota',
  'Scion',
  'Mazda',
  'Mitsubishi',
  'Subaru',
  'Volkswagen',
  'Volvo',
  'Mercedes-Benz',
  'Mini',
  'Porsche',
  'Land Rover',
  'Jaguar',
  'Tesla',
  'Rivian',
  'Lucid',
  'Polestar',
  'Alfa Romeo',
  'Maserati',
];

describe('WMI table', () => {
  it('is broad: 150+ three-character WMIs of valid VIN characters', () => {
    expect(wmiTable().size).toBeGreaterThanOrEqual(150);
    for (const [wmi, info] of wmiTable()) {
      expect(wmi).toMatch(/^[A-HJ-NPR-Z0-9]{3}$/);
      expect(info.wmi).toBe(wmi);
    }
  });

  it('gives every entry a manufacturer, a country, and either one make or several possible makes', () => {
    for (const [wmi, info] of wmiTable()) {
      expect(info.manufacturer, wmi).not.toBe('');
      expect(info.country, wmi).toBeDefined();
      if (info.make) expect(info.possibleMakes, wmi).toBeUndefined();
      else expect(info.possibleMakes?.length, wmi).toBeGreaterThanOrEqual(2);
    }
  });

  it('covers every make a US shop commonly sees', () => {
    for (const make of BRIEF_MAKES) expect(KNOWN_MAKES, make).toContain(make);
  });

  it('knows exactly the makes of its entries, each once and sorted', () => {
    const makes = [...wmiTable().values()].flatMap((info) => (info.make ? [info.make] : info.possibleMakes!));
    expect(KNOWN_MAKES).toEqual([...new Set(makes)].sort());
  });

  it.each([
    ['1FA', 'Ford', 'United States'],
    ['1FT', 'Ford', 'United States'],
    ['1FM', 'Ford', 'United States'],
    ['3FA', 'Ford', 'Mexico'],
    ['1G1', 'Chevrolet', 'United States'],
    ['1GC', 'Chevrolet', 'United States'],
    ['1GT', 'GMC', 'United States'],
    ['1HG', 'Honda', 'United States'],
    ['2HG', 'Honda', 'Canada'],
    ['5FN', 'Honda', 'United States'],
    ['19X', 'Honda', 'United States'],
    ['19U', 'Acura', 'United States'],
    ['7FA', 'Honda', 'United States'],
    ['4T1', 'Toyota', 'United States'],
    ['5TD', 'Toyota', 'United States'],
    ['JTD', 'Toyota', 'Japan'],
    ['JTH', 'Lexus', 'Japan'],
    ['5YJ', 'Tesla', 'United States'],
    ['7SA', 'Tesla', 'United States'],
    ['WBA', 'BMW', 'Germany'],
    ['5UX', 'BMW', 'United States'],
    ['WDD', 'Mercedes-Benz', 'Germany'],
    ['W1K', 'Mercedes-Benz', 'Germany'],
    ['4JG', 'Mercedes-Benz', 'United States'],
    ['55S', 'Mercedes-Benz', 'United States'],
    ['WVW', 'Volkswagen', 'Germany'],
    ['3VW', 'Volkswagen', 'Mexico'],
    ['1VW', 'Volkswagen', 'United States'],
    ['1N4', 'Nissan', 'United States'],
    ['3N1', 'Nissan', 'Mexico'],
    ['KM8', 'Hyundai', 'South Korea'],
    ['5NP', 'Hyundai', 'United States'],
    ['KNA', 'Kia', 'South Korea'],
    ['KND', 'Kia', 'South Korea'],
    ['JF2', 'Subaru', 'Japan'],
    ['4S4', 'Subaru', 'United States'],
    ['JM1', 'Mazda', 'Japan'],
    ['JM3', 'Mazda', 'Japan'],
    ['SAL', 'Land Rover', 'United Kingdom'],
    ['SAJ', 'Jaguar', 'United Kingdom'],
    ['YV1', 'Volvo', 'Sweden'],
    ['7FC', 'Rivian', 'United States'],
    ['50E', 'Lucid', 'United States'],
    ['LPS', 'Polestar', 'China'],
    ['ZAR', 'Alfa Romeo', 'Italy'],
    ['ZAM', 'Maserati', 'Italy'],
    ['WP0', 'Porsche', 'Germany'],
    ['WMW', 'Mini', 'Germany'], // WMI country, though built in Oxford,
    ['TRU', 'Audi', 'Hungary'],
    ['NM0', 'Ford', 'Turkey'],
  ])('%s is %s from %s', (wmi, make, country) => {
    expect(lookupWmi(`${wmi}ZZZ99Z9Z999999`)).toMatchObject({ wmi, make, country });
  });

  it('leaves the make of shared WMIs to vPIC and lists the candidates', () => {
    expect(lookupWmi('1C4RJFBG')).toEqual({
      wmi: '1C4',
      manufacturer: 'Chrysler group (Stellantis)',
      possibleMakes: ['Jeep', 'Dodge', 'Chrysler'],
      country: 'United States',
    });
    for (const wmi of ['1C6', '2C3', 'JN1', 'KMH', 'JF1', '5XY']) {
      const info = lookupWmi(wmi);
      expect(info?.make, wmi).toBeUndefined();
      expect(info?.possibleMakes?.length, wmi).toBeGreaterThanOrEqual(2);
    }
  });

  it('falls back to a two-character manufacturer block without naming a make', () => {
    expect(lookupWmi('JTZ')).toEqual({ wmi: 'JT', manufacturer: 'Toyota', country: 'Japan' });
    expect(lookupWmi('1GZ')).toEqual({ wmi: '1G', manufacturer: 'General Motors', country: 'United States' });
    expect(lookupWmi('WBZ')).toMatchObject({ manufacturer: 'BMW', country: 'Germany' });
  });

  it('does not guess for small manufacturers (third character 9) or unknown codes', () => {
    expect(lookupWmi('1G9')).toBeUndefined();
    expect(lookupWmi('1M8')).toBeUndefined();
    expect(lookupWmi('ZZZ')).toBeUndefined();
    expect(lookupWmi('1G')).toBeUndefined();
  });

  it('accepts lower-case input', () => {
    expect(lookupWmi('1hgcm82633a004352')?.make).toBe('Honda');
  });
});

describe('countryForWmi', () => {
  it.each([
    ['1M8', 'United States'],
    ['4V4', 'United States'],
    ['7SA', 'United States'],
    ['7ZZ', 'United States'],
    ['7A1', 'New Zealand'],
    ['2XX', 'Canada'],
    ['3WA', 'Mexico'],
    ['6G2', 'Australia'],
    ['9BW', 'Brazil'],
    ['93U', 'Brazil'],
    ['JA3', 'Japan'],
    ['KL1', 'South Korea'],
    ['LRW', 'China'],
    ['MAJ', 'India'],
    ['ML3', 'Thailand'],
    ['SAL', 'United Kingdom'],
    ['SUF', 'Poland'],
    ['TMB', 'Czech Republic'],
    ['VF1', 'France'],
    ['VSS', 'Spain'],
    ['W0L', 'Germany'],
    ['XLR', 'Netherlands'],
    ['YS3', 'Sweden'],
    ['ZFF', 'Italy'],
  ])('%s is registered to %s', (wmi, country) => {
    expect(countryForWmi(wmi)).toBe(country);
  });

  it.each(['3X1', 'KA1', 'Q12', '0AB', ''])('does not guess the country of %j', (wmi) => {
    expect(countryForWmi(wmi)).toBeUndefined();
  });
});
