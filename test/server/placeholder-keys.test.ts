/**
 * A freshly deployed stack runs before anyone has filled in the API-keys secret. The server must
 * start on the placeholders, report it, and hand every call to the shop instead of failing it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localTableNames } from '../../runtime/data/create-tables';
import { tableNamesToEnv } from '../../runtime/data/table-definitions';
import { createLogger } from '../../runtime/observability/logger';
import { buildApp } from '../../runtime/server/app';
import { loadServerConfig, SECRET_PLACEHOLDER } from '../../runtime/server/config';
import { createServerDependencies } from '../../runtime/server/production-dependencies';

describe('placeholder API keys', () => {
  it('starts, says so on /healthz, and answers a call with TwiML that dials the shop', async () => {
    const config = loadServerConfig({
      PUBLIC_BASE_URL: 'https://voice.example.com',
      SHOP_CONFIG: readFileSync(new URL('../../shops/example.json', import.meta.url), 'utf8'),
      OPENAI_API_KEY: SECRET_PLACEHOLDER,
      DEEPGRAM_API_KEY: SECRET_PLACEHOLDER,
      TWILIO_ACCOUNT_SID: SECRET_PLACEHOLDER,
      TWILIO_AUTH_TOKEN: SECRET_PLACEHOLDER,
      TOOLS_INVOKER: 'local',
      ...tableNamesToEnv(localTableNames('placeholder')),
    });
    expect(config.providersConfigured).toBe(false);
    const logger = createLogger({ level: 'silent' });
    const server = await buildApp(config, createServerDependencies(config, logger), logger);
    try {
      const health = await server.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.json()).toMatchObject({ status: 'ok', providersConfigured: false });
      const call = await server.app.inject({
        method: 'POST',
        url: '/twilio/voice',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `CallSid=CA${'1'.repeat(32)}&AccountSid=AC${'2'.repeat(32)}&From=%2B12175550123`,
      });
      expect(call.statusCode).toBe(200);
      expect(call.body).toContain(`<Dial>${config.shop.transferNumber}</Dial>`);
    } finally {
      await server.app.close();
    }
  });
});
