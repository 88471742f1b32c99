import { describe, expect, it } from 'vitest';
import { CENSORED, scrubLogFields, scrubLogString } from '../../runtime/observability/log-scrub';
import { createLogger } from '../../runtime/observability/logger';

function capture(level = 'trace') {
  const lines: string[] = [];
  const log = createLogger({ level, name: 'test', destination: { write: (line) => lines.push(line) } });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, parsed };
}

describe('JSON logger', () => {
  it('writes one pino-shaped object per line: numeric level, ISO time, name, bindings, fields, msg', () => {
    const { log, lines, parsed } = capture();
    log.child({ callSid: 'CA123' }).info({ turn: 2 }, 'turn done');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('}\n')).toBe(true);
    const [line] = parsed();
    expect(line).toEqual({
      level: 30,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      name: 'test',
      callSid: 'CA123',
      turn: 2,
      msg: 'turn done',
    });
    expect(Object.keys(line!)).toEqual(['level', 'time', 'name', 'callSid', 'turn', 'msg']);
  });

  it('drops lines below its level, and a child can have its own level', () => {
    const { log, parsed } = capture('warn');
    log.info('dropped');
    log.warn('kept');
    log.child({}, { level: 'debug' }).debug('child debug');
    log.level = 'error';
    log.warn('dropped after the change');
    log.fatal('fatal');
    expect(parsed().map((l) => [l.level, l.msg])).toEqual([
      [40, 'kept'],
      [20, 'child debug'],
      [60, 'fatal'],
    ]);
    expect(log.level).toBe('error');
  });

  it('logs nothing at silent and refuses a level it does not know', () => {
    const { log, lines } = capture('silent');
    log.fatal('nothing');
    log.silent('nothing either');
    expect(lines).toEqual([]);
    expect(() => createLogger({ level: 'verbose' })).toThrow(/unknown log level "verbose"/);
    expect(() => {
      log.level = 'loud';
    }).toThrow(/use one of trace, debug, info/);
  });

  it('logs a bare error as err, with its class, message, stack, own fields and cause', () => {
    const { log, parsed } = capture();
    class ToolError extends Error {
      code = 'E_TOOL';
    }
    log.error(new ToolError('table missing', { cause: new Error('not found') }));
    const [line] = parsed();
    expect(line!.msg).toBe('table missing');
    expect(line!.err).toMatchObject({
      type: 'ToolError',
      message: 'table missing',
      stack: expect.stringMatching(/^Error: table missing {5}at /),
      code: 'E_TOOL',
      cause: { type: 'Error', message: 'not found' },
    });
  });

  it('censors PII and secret keys at any depth and masks phone numbers, emails and VINs in strings', () => {
    const { log, lines } = capture();
    log.info(
      {
        phone: '+12175550142',
        args: { customer: { firstName: 'Dana', email: 'dana@example.com' }, vin: '1HGCM82633A004352' },
        headers: { authorization: 'Bearer abc', 'x-twilio-signature': 'sig' },
        note: 'caller +12175550142 wrote dana@example.com about 1HGCM82633A004352',
      },
      'call from %s',
      '(217) 5550142 or 2175550142',
    );
    const text = lines[0]!;
    for (const secret of [
      'Dana',
      'dana@example.com',
      '1HGCM82633A004352',
      '+12175550142',
      'Bearer',
      'sig"',
    ]) {
      expect(text).not.toContain(secret);
    }
    const line = JSON.parse(text);
    expect(line.phone).toBe(CENSORED);
    expect(line.args).toEqual({ customer: { firstName: CENSORED, email: CENSORED }, vin: CENSORED });
    expect(line.headers).toEqual({ authorization: CENSORED, 'x-twilio-signature': CENSORED });
    expect(line.note).toBe('caller [phone …0142] wrote [email] about [vin]');
    expect(line.msg).toBe('call from (217) 5550142 or [phone …0142]');
  });

  it('cannot be made to write a forged second line', () => {
    const { log, lines } = capture();
    log.warn({ reason: 'x\n{"level":60,"msg":"forged"}' }, 'bad\r\nframe\u0000');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split('\n')).toEqual([expect.any(String), '']);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      reason: 'x {"level":60,"msg":"forged"}',
      msg: 'bad frame',
    });
  });

  it('writes requests as method and path, replies as status, binary data as its length, cycles once', () => {
    const { log, parsed } = capture();
    const cyclic: Record<string, unknown> = { id: 'a' };
    cyclic.self = cyclic;
    log.info({
      req: { raw: { method: 'POST', url: '/twilio/voice?token=secret', headers: { cookie: 'c' } } },
      res: { statusCode: 403, headers: { 'set-cookie': 'c' } },
      audio: Buffer.alloc(160),
      samples: new Int16Array(8),
      big: 10n ** 20n,
      cyclic,
    });
    expect(parsed()[0]).toMatchObject({
      req: { method: 'POST', url: '/twilio/voice' },
      res: { statusCode: 403 },
      audio: '[160 bytes]',
      samples: '[16 bytes]',
      big: '100000000000000000000',
      cyclic: { id: 'a', self: '[…]' },
    });
    expect(parsed()[0]!.req).toEqual({ method: 'POST', url: '/twilio/voice' });
  });

  it('still writes the line, without the value, when a value cannot be serialized', () => {
    const { log, parsed } = capture();
    log.info(
      {
        weird: {
          toJSON: () => {
            throw new Error('no JSON for +12175550142');
          },
        },
      },
      'kept',
    );
    const [line] = parsed();
    expect(line).toMatchObject({ level: 30, name: 'test' });
    expect(line!.logError).toBe('Error: no JSON for [phone …0142]');
    expect(line).not.toHaveProperty('weird');
  });
});

describe('scrubLogString and scrubLogFields', () => {
  it('leave ids that merely contain digits alone', () => {
    const sid = 'CA0123456789abcdef0123456789abcdef';
    expect(scrubLogString(`call ${sid} appointment 01JABCDEFGHJKMNPQRSTVWXYZ0`)).toBe(
      `call ${sid} appointment 01JABCDEFGHJKMNPQRSTVWXYZ0`,
    );
    expect(scrubLogFields({ callSid: sid, durationMs: 1234567890123 })).toEqual({
      callSid: sid,
      durationMs: 1234567890123,
    });
  });
});
