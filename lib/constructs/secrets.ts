import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/** JSON field in the shop secret → environment variable the runtime reads it from. */
export const SECRET_FIELDS = {
  openaiApiKey: 'OPENAI_API_KEY',
  deepgramApiKey: 'DEEPGRAM_API_KEY',
  twilioAccountSid: 'TWILIO_ACCOUNT_SID',
  twilioAuthToken: 'TWILIO_AUTH_TOKEN',
} as const;

export type SecretField = keyof typeof SECRET_FIELDS;
export const SECRET_FIELD_NAMES = Object.keys(SECRET_FIELDS) as SecretField[];

/** Value every field holds until an operator puts the real keys in (see docs/deploying.md). */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

export interface ShopSecretsProps {
  readonly shopId: string;
}

/** The third-party credentials of one shop, kept out of the template and filled in after deploy. */
export class ShopSecrets extends Construct {
  public readonly apiKeys: Secret;
  /** The plain name, for outputs and docs (the secret's own name token is parsed back out of its ARN). */
  public readonly apiKeysSecretName: string;

  constructor(scope: Construct, id: string, props: ShopSecretsProps) {
    super(scope, id);
    this.apiKeysSecretName = `pitcrew/${props.shopId}/api-keys`;
    this.apiKeys = new Secret(this, 'ApiKeys', {
      secretName: this.apiKeysSecretName,
      description: `Pitcrew ${props.shopId}: OpenAI, Deepgram and Twilio credentials (JSON)`,
      // generateSecretString (not secretObjectValue) so the template holds only placeholders; the
      // generated key is a throwaway that nothing reads.
      generateSecretString: {
        secretStringTemplate: JSON.stringify(
          Object.fromEntries(SECRET_FIELD_NAMES.map((field) => [field, SECRET_PLACEHOLDER])),
        ),
        generateStringKey: 'unused',
        excludePunctuation: true,
      },
    });
    acknowledge(
      this.apiKeys,
      'SMG4',
      'Third-party API keys (OpenAI, Deepgram, Twilio) cannot be rotated by a Lambda; they are rotated by hand.',
    );
  }
}
