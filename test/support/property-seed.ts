/**
 * Vitest setup file: every fast-check run in the suite uses one seed, so a CI run is reproducible and
 * a red build is never a roll of the dice. `PROPERTY_SEED=<n>` replays a reported failure;
 * `PROPERTY_SEED=random` explores new inputs (`npm run test:explore`). fast-check prints the seed and
 * the counterexample on failure, and found counterexamples belong in the test's `examples`.
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20261202;

function seedFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed))
    throw new Error(`PROPERTY_SEED must be an integer or "random", got "${raw}"`);
  return seed;
}

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: seedFromEnv(process.env.PROPERTY_SEED) });
