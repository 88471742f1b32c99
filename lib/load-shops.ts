import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { parseShopConfigJson, type ShopConfig, ShopConfigError } from '../runtime/config/shop-config';
import { SHOPS_DIR } from './paths';

/** A problem finding the shop files, as opposed to a problem inside one (ShopConfigError). */
export class ShopLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShopLoadError';
  }
}

const SHOP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,29}$/;

/**
 * Reads and validates `<dir>/*.json`, or only `<dir>/<shop>.json` when the app has `-c shop=<shop>`.
 * Throws ShopConfigError (naming every wrong field) or ShopLoadError; bin/ prints either without a stack.
 */
export function loadShops(app: App, dir: string = SHOPS_DIR): ShopConfig[] {
  const selected: unknown = app.node.tryGetContext('shop');
  if (selected !== undefined && (typeof selected !== 'string' || !SHOP_ID_PATTERN.test(selected))) {
    throw new ShopLoadError(
      `-c shop=${String(selected)}: not a shop id (lower-case letters, digits, dashes)`,
    );
  }
  return loadShopsFromDir(dir, selected);
}

export function loadShopsFromDir(dir: string, shopId?: string): ShopConfig[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch (error) {
    throw new ShopLoadError(`cannot read the shop directory ${dir}: ${(error as Error).message}`);
  }
  if (shopId !== undefined) {
    if (!files.includes(`${shopId}.json`)) {
      throw new ShopLoadError(`no shop file ${join(dir, `${shopId}.json`)} (from -c shop=${shopId})`);
    }
    files = [`${shopId}.json`];
  }
  if (files.length === 0) throw new ShopLoadError(`no shop files (*.json) in ${dir}`);
  return files.sort().map((name) => loadShopFile(join(dir, name)));
}

export function loadShopFile(file: string): ShopConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ShopLoadError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const shop = parseShopConfigJson(text, file);
  const expected = basename(file, '.json');
  if (shop.shopId !== expected) {
    // Stack names, secret names and `-c shop=` all key on the id, so the file name must agree with it.
    throw new ShopConfigError(file, [`shopId: is "${shop.shopId}" but the file is named "${expected}.json"`]);
  }
  return shop;
}
