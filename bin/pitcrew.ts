#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { createStacks } from '../lib/create-stacks';
import { loadShops, ShopLoadError } from '../lib/load-shops';
import { ShopConfigError } from '../runtime/config/shop-config';

const app = new App();
try {
  createStacks(app, loadShops(app));
} catch (error) {
  // A wrong shop file is an operator mistake, not a bug: print what to fix, no stack trace.
  if (error instanceof ShopConfigError || error instanceof ShopLoadError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
