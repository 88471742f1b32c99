/**
 * What a Lambda bundle gets instead of `@aws-sdk/credential-provider-node` (the bundler aliases it
 * here, lib/lambda-bundling.ts). Every AWS client's runtime config imports that package's
 * `defaultProvider`, the whole chain: environment, SSO, INI profiles, credential_process, web
 * identity, console login, ECS and IMDS, with the STS, SSO and sign-in clients the chain needs.
 * Lambda always hands a function its role's credentials in the environment
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), so the rest of the chain never
 * runs there; it is ~120 KB of each bundle and ~7 ms of each cold start (measured, bench/bundles.ts).
 *
 * Same signature as the real `defaultProvider`, so the clients need no change; the voice server and
 * the tests are not bundled this way and keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
