/**
 * Stacks of a minified bundle read in TypeScript positions, with the map parsed only when a stack is
 * first read (runtime/observability/source-mapped-stacks.ts): the fixture is bundled with the Lambda
 * settings (lib/lambda-bundling.ts, through bench/bundles.ts) and run in fresh Node processes, as a cold start would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../bench/bundles';
import { REPO_ROOT } from '../../lib/paths';

const run = promisify(execFile);
const OUT = mkdtempSync(join(tmpdir(), 'pitcrew-stacks-'));
const BUNDLE = join(OUT, 'index.mjs');

beforeAll(async () => {
  await build(lambdaBuildOptions(join(REPO_ROOT, 'test/fixtures/stacks/entry.ts'), BUNDLE));
}, 60_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

/** Imports the bundle, runs `before` (JS source) and prints the fixture's stack. */
async function stackFromBundle(options: { before?: string; nodeOptions?: string } = {}): Promise<string> {
  const script =
    `const m = await import(process.argv[1]); ${options.before ?? ''}` +
    'process.stdout.write(m.readInvalidShop());';
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, BUNDLE], {
    env: {
      PATH: process.env.PATH ?? '',
      ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
    },
    cwd: OUT,
  });
  return stdout;
}

describe('lazily source-mapped stacks', () => {
  it('show the TypeScript file, line and original function name of each bundled frame', async () => {
    const stack = await stackFromBundle();
    expect(stack).toMatch(/^ShopConfigError: SHOP_CONFIG: invalid shop configuration\n/);
    expect(stack).toMatch(/\n {4}at parseShopConfig \(runtime\/config\/shop-config\.ts:\d+:\d+\)\n/);
    expect(stack).toMatch(/\n {4}at parseShopConfigJson \(runtime\/config\/shop-config\.ts:\d+:\d+\)\n/);
    // Called from outside the bundle, the entry's function keeps its minified name (as under Node's
    // own mapping); its source is the path the bundler recorded, without the leading "../".
    expect(stack).toMatch(/\n {4}at \w+ \((\w[^ ]*\/)?test\/fixtures\/stacks\/entry\.ts:9:5\)\n/);
    expect(stack).not.toContain('index.mjs');
    // Frames outside the bundle read as Node prints them.
    expect(stack).toMatch(/\n {4}at file:\/\/.*\[eval1\]:\d+:\d+$/);
  });

  it('read the map when a stack is first read, not when the bundle loads', async () => {
    // Moved away after the import: were it read at load, the stack would still be mapped.
    const before = `(await import('node:fs')).renameSync(process.argv[1] + '.map', process.argv[1] + '.moved');`;
    try {
      const stack = await stackFromBundle({ before });
      expect(stack).toMatch(/^ShopConfigError: SHOP_CONFIG: invalid shop configuration\n/);
      expect(stack).toMatch(/\n {4}at \w+ \(file:\/\/.*\/index\.mjs:\d+:\d+\)\n/);
      expect(stack).not.toContain('shop-config.ts');
    } finally {
      await run('mv', [`${BUNDLE}.moved`, `${BUNDLE}.map`]);
    }
  });

  it('leave the mapping to Node under --enable-source-maps', async () => {
    const stack = await stackFromBundle({ nodeOptions: '--enable-source-maps' });
    // Node's own format: absolute paths of the sources.
    expect(stack).toMatch(/\n {4}at parseShopConfig \(\/.*\/runtime\/config\/shop-config\.ts:\d+:\d+\)\n/);
  });
});
