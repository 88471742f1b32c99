import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, resolved from this file so synth works from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the shop configuration files live: one `<shopId>.json` per shop. */
export const SHOPS_DIR = join(REPO_ROOT, 'shops');
