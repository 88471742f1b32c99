/** Twilio credentials for the dialer: environment first, else the Secrets Manager secret (cached). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioCredentialsProvider } from '../../runtime/reminders/twilio-credentials';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamo';

const SID = `AC${'a1'.repeat(16)}`;
const TOKEN = 'f'.repeat(32);
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pitcrew/example/api-keys-AbCdEf';

// Secrets Manager speaks awsJson1_1: POST / with X-Amz-Target: secretsmanager.GetSecretValue.
let server: Server;
let endpoint = '';
let secret: Record<string, string> = {};
const targets: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      targets.push(String(req.headers['x-amz-target']));
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString()) as { SecretId: string };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          ARN: SecretId,
          Name: 'pitcrew/example/api-keys',
          SecretString: JSON.stringify(secret),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const secretsManager = () =>
  new SecretsManagerClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

describe('twilioCredentialsProvider', () => {
  it('prefers TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN and validates them', async () => {
    const provider = twilioCredentialsProvider({
      env: { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN },
    });
    expect(await provider()).toEqual({ accountSid: SID, authToken: TOKEN });
    await expect(
      twilioCredentialsProvider({ env: { TWILIO_ACCOUNT_SID: 'nope', TWILIO_AUTH_TOKEN: TOKEN } })(),
    ).rejects.toThrow('accountSid: must be a Twilio Account SID');
  });

  it('reads the secret once per container and refuses the deploy-time placeholders', async () => {
    secret = { twilioAccountSid: SID, twilioAuthToken: TOKEN, openaiApiKey: 'x' };
    targets.length = 0;
    const provider = twilioCredentialsProvider({ env: { PITCREW_SECRET_ARN: ARN }, secretsManager });
    expect(await provider()).toEqual({ accountSid: SID, authToken: TOKEN });
    expect(await provider()).toEqual({ accountSid: SID, authToken: TOKEN });
    expect(targets).toEqual(['secretsmanager.GetSecretValue']);

    secret = { twilioAccountSid: 'REPLACE_ME', twilioAuthToken: 'REPLACE_ME' };
    const placeholder = twilioCredentialsProvider({ env: { PITCREW_SECRET_ARN: ARN }, secretsManager });
    await expect(placeholder()).rejects.toThrow(/accountSid: still holds the placeholder/);
    // A failure is not cached: once the operator fills the secret in, the next invocation works.
    secret = { twilioAccountSid: SID, twilioAuthToken: TOKEN };
    expect(await placeholder()).toEqual({ accountSid: SID, authToken: TOKEN });
  });

  it('says what to configure when neither source is there', async () => {
    await expect(twilioCredentialsProvider({ env: {} })()).rejects.toThrow(/set PITCREW_SECRET_ARN/);
  });
});
