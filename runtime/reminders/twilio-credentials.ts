/**
 * Twilio credentials for the dialer: from TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN when set (local
 * runs, tests), otherwise from the shop's Secrets Manager secret, read once per container (a warm
 * Lambda reuses it; a failed read is not cached, so the next invocation tries again).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../zod';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

const PLACEHOLDER = 'REPLACE_ME';

const credentialsSchema = z.strictObject({
  accountSid: z.string().check(
    z.refine(
      (v) => v !== PLACEHOLDER,
      'still holds the placeholder; put the real Twilio Account SID in the secret',
    ),
    z.regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID ("AC" + 32 hex digits)'),
  ),
  authToken: z.string().check(
    z.refine(
      (v) => v !== PLACEHOLDER,
      'still holds the placeholder; put the real Twilio auth token in the secret',
    ),
    z.minLength(16, 'is too short for a Twilio auth token'),
  ),
});

function validate(value: unknown, source: string): TwilioCredentials {
  const parsed = credentialsSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'credentials')}: ${i.message}`);
    throw new Error(`Twilio credentials from ${source} are unusable: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export interface CredentialSources {
  env?: NodeJS.ProcessEnv;
  /** Injected in tests (a client pointed at a local endpoint); default: the standard AWS chain. */
  secretsManager?: () => SecretsManagerClient;
}

/** Returns a function that resolves the credentials, cached after the first success. */
export function twilioCredentialsProvider(sources: CredentialSources = {}): () => Promise<TwilioCredentials> {
  const env = sources.env ?? process.env;
  let cached: Promise<TwilioCredentials> | undefined;
  return () => {
    cached ??= load(env, sources.secretsManager).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

async function load(
  env: NodeJS.ProcessEnv,
  secretsManager: (() => SecretsManagerClient) | undefined,
): Promise<TwilioCredentials> {
  if (env.TWILIO_ACCOUNT_SID || env.TWILIO_AUTH_TOKEN) {
    return validate(
      { accountSid: env.TWILIO_ACCOUNT_SID ?? '', authToken: env.TWILIO_AUTH_TOKEN ?? '' },
      'TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN',
    );
  }
  const secretArn = env.PITCREW_SECRET_ARN;
  if (!secretArn) {
    throw new Error(
      'no Twilio credentials: set PITCREW_SECRET_ARN, or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
    );
  }
  const client = secretsManager?.() ?? new SecretsManagerClient({ maxAttempts: 3 });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(SecretString ?? '') as Record<string, unknown>;
  } catch {
    throw new Error(
      'the Pitcrew secret is not JSON (expected the fields twilioAccountSid and twilioAuthToken)',
    );
  }
  return validate(
    { accountSid: json.twilioAccountSid, authToken: json.twilioAuthToken },
    'the Pitcrew secret',
  );
}
