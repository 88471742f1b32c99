import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadShops, loadShopsFromDir, ShopLoadError } from '../../lib/load-shops';
import { SHOPS_DIR } from '../../lib/paths';
import { ShopConfigError } from '../../runtime/config/shop-config';
import { appOutdir, scratchDir } from '../support/scratch-dir';

const example = JSON.parse(readFileSync(join(SHOPS_DIR, 'example.json'), 'utf8')) as Record<string, unknown>;

function shopsDir(files: Record<string, unknown>): string {
  const dir = scratchDir('pitcrew-shops-');
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function testApp(context: Record<string, string> = {}): App {
  return new App({ context, outdir: appOutdir() });
}

function errorOf(load: () => unknown): Error {
  try {
    load();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected loading to fail');
}

describe('loadShops', () => {
  it('loads and validates every shop in shops/', () => {
    const shops = loadShops(testApp());
    expect(shops.map((shop) => shop.shopId)).toContain('example');
    const shop = shops.find((s) => s.shopId === 'example')!;
    expect(shop.scaling).toEqual({ minTasks: 1, maxTasks: 4 });
  });

  it('loads only the shop named by -c shop=<id>', () => {
    const dir = shopsDir({ 'example.json': example, 'other.json': { ...example, shopId: 'other' } });
    expect(loadShops(testApp({ shop: 'other' }), dir).map((s) => s.shopId)).toEqual(['other']);
    expect(loadShops(testApp(), dir).map((s) => s.shopId)).toEqual(['example', 'other']);
  });

  it('names every wrong field of a bad file', () => {
    const dir = shopsDir({
      'example.json': { ...example, bays: 0, alarmEmail: 'not-an-email', colour: 'red' },
    });
    const error = errorOf(() => loadShopsFromDir(dir));
    expect(error).toBeInstanceOf(ShopConfigError);
    expect(error.message).toContain(join(dir, 'example.json'));
    expect(error.message).toMatch(/bays: /);
    expect(error.message).toMatch(/alarmEmail: must be an e-mail address/);
    expect(error.message).toMatch(/colour: is not a known field/);
  });

  it('reports a file that is not JSON', () => {
    const error = errorOf(() => loadShopsFromDir(shopsDir({ 'broken.json': '{ "shopId": ' })));
    expect(error).toBeInstanceOf(ShopConfigError);
    expect(error.message).toContain('not valid JSON');
  });

  it('refuses a file whose name differs from its shopId', () => {
    const error = errorOf(() => loadShopsFromDir(shopsDir({ 'bart.json': example })));
    expect(error).toBeInstanceOf(ShopConfigError);
    expect(error.message).toMatch(/shopId: is "example" but the file is named "bart.json"/);
  });

  it('reports a missing shop and a malformed -c shop value', () => {
    const dir = shopsDir({ 'example.json': example });
    expect(errorOf(() => loadShops(testApp({ shop: 'nope' }), dir))).toBeInstanceOf(ShopLoadError);
    expect(errorOf(() => loadShops(testApp({ shop: '../etc' }), dir))).toBeInstanceOf(ShopLoadError);
  });

  it('reports an empty or missing directory', () => {
    const empty = scratchDir('pitcrew-shops-');
    mkdirSync(join(empty, 'nested.json'));
    expect(errorOf(() => loadShopsFromDir(shopsDir({})))).toBeInstanceOf(ShopLoadError);
    expect(errorOf(() => loadShopsFromDir(join(empty, 'missing')))).toBeInstanceOf(ShopLoadError);
  });
});
