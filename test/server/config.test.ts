import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localTableNames } from '../../runtime/data/create-tables';
import { tableNamesToEnv } from '../../runtime/data/table-definitions';
import { ConfigError, loadServerConfig } from '../../runtime/server/config';
import { TOOL_NAMES } from '../../runtime/tools/catalog';

const base = () => ({
  PUBLIC_BASE_URL: 'https://voice.example.com',
  SHOP_CONFIG: readFileSync(new URL('../../shops/example.json', import.meta.url), 'utf8'),
  OPENAI_API_KEY: 'sk-test',
  DEEPGRAM_API_KEY: 'dg-test',
  TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'token',
  TOOLS_INVOKER: 'local',
  ...tableNamesToEnv(localTableNames('cfg')),
});

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadServerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a configuration error');
}

describe('voice server configuration', () => {
  it('loads a complete environment with defaults', () => {
    const config = loadServerConfig(base());
    expect(config).toMatchObject({
      port: 8080,
      publicBaseUrl: 'https://voice.example.com',
      openai: { model: 'gpt-4o' },
      deepgram: { sttModel: 'nova-3', voice: 'aura-2-thalia-en', endpointingMs: 300, utteranceEndMs: 1000 },
      tools: { invoker: 'local' },
      providersConfigured: true,
    });
    expect(config.shop.shopId).toBe('example');
  });

  it('names every missing or malformed variable at once', () => {
    const env: Record<string, string | undefined> = {
      ...base(),
      OPENAI_API_KEY: undefined,
      PUBLIC_BASE_URL: 'voice.example.com',
      PORT: 'eighty',
    };
    delete env.CALLS_TABLE;
    const found = problems(env).join('\n');
    expect(found).toContain('OPENAI_API_KEY: is required');
    expect(found).toContain('PUBLIC_BASE_URL:');
    expect(found).toContain('PORT:');
    expect(found).toContain('CALLS_TABLE: is required');
  });

  it('refuses an API key SID where the Account SID belongs, and accepts the placeholder', () => {
    expect(problems({ ...base(), TWILIO_ACCOUNT_SID: `SK${'1'.repeat(32)}` }).join()).toMatch(
      /TWILIO_ACCOUNT_SID: must be the Twilio Account SID \("AC" \+ 32 hex digits\)/,
    );
    expect(loadServerConfig({ ...base(), TWILIO_ACCOUNT_SID: 'REPLACE_ME' }).providersConfigured).toBe(false);
  });

  it('needs the tool function names with the Lambda invoker', () => {
    expect(problems({ ...base(), TOOLS_INVOKER: 'lambda' }).join()).toContain('TOOL_FUNCTIONS: is required');
    const wrong = problems({ ...base(), PORT: 'eighty', BARGE_IN_MIN_WORDS: '0' });
    expect(wrong.find((p) => p.startsWith('PORT:'))).not.toContain('is required');
    expect(wrong.find((p) => p.startsWith('BARGE_IN_MIN_WORDS:'))).toMatch(/>=\s?1|at least 1|too small/i);
    expect(
      problems({ ...base(), TOOLS_INVOKER: 'lambda', TOOL_FUNCTIONS: '{"lookup_customer":"fn"}' }).join(),
    ).toContain('TOOL_FUNCTIONS: needs a function name for create_customer');
    const functions = JSON.stringify(Object.fromEntries(TOOL_NAMES.map((t) => [t, `fn-${t}`])));
    expect(
      loadServerConfig({ ...base(), TOOLS_INVOKER: 'lambda', TOOL_FUNCTIONS: functions }).tools,
    ).toMatchObject({ invoker: 'lambda', functions: { decode_vin: 'fn-decode_vin' } });
  });

  it('reports a bad shop configuration by field, and notices placeholder secrets', () => {
    expect(() => loadServerConfig({ ...base(), SHOP_CONFIG: '{"shopId":"x"}' })).toThrow(
      /SHOP_CONFIG: invalid shop configuration[\s\S]*displayName: is required/,
    );
    expect(loadServerConfig({ ...base(), TWILIO_AUTH_TOKEN: 'REPLACE_ME' }).providersConfigured).toBe(false);
    expect(loadServerConfig({ ...base(), SHOP_CONFIG: undefined, SHOP_ID: 'example' }).shop.displayName).toBe(
      "Bart's Automotive",
    );
  });
});
