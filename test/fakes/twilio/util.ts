/** Small helpers shared by the Twilio fake's parts. */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpResult } from './types';

/** A Twilio-style SID: two-letter prefix + 32 lower-case hex digits. */
export function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Form params with repeated keys collected into arrays. */
export function parseForm(body: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = params[key];
    if (prev === undefined) params[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else params[key] = [prev, value];
  }
  return params;
}

/** POSTs a form with no connection reuse (so nothing stays open after the test). */
export function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<HttpResult> {
  const body = new URLSearchParams(params).toString();
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: flattenHeaders(res.headers),
          }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
