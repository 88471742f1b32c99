/**
 * The one way the runtime imports zod: `import * as z from '../zod'`.
 *
 * It is Zod Mini, the functional API (`z.optional(s)`, `s.check(z.minLength(1))`), because the
 * classic API's methods keep all of zod in every bundle whether used or not: the tool Lambda's zod
 * went from 99 KB to 45 KB of its bundle, which a cold start reads and compiles. The schemas and the
 * JSON Schema they yield are the same. Mini ships no error messages by default; the English ones
 * are installed here, once, before any schema is built, so every error stays readable.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
