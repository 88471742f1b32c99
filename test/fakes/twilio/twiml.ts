/** A small, tolerant reader for the TwiML our server answers with: only <Connect><Stream><Parameter>. */
import type { ParsedStream } from './types';

const ATTRS = String.raw`((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*`;

function tag(name: string, flags = ''): RegExp {
  return new RegExp(`<${name}${ATTRS}(/?)>`, flags);
}

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[entity as 'lt'];
  });
}

export function parseAttributes(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of text.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attrs[m[1]!] = unescapeXml(m[2] ?? m[3] ?? '');
  }
  return attrs;
}

/** The bidirectional stream a TwiML document asks for, or null when it has no <Connect><Stream>. */
export function parseConnectStream(xml: string): ParsedStream | null {
  const doc = xml.replace(/<!--[\s\S]*?-->/g, '');
  const connect = tag('Connect').exec(doc);
  if (!connect || connect[2] === '/') return null;
  const afterConnect = doc.slice(connect.index + connect[0].length);
  const connectEnd = afterConnect.indexOf('</Connect>');
  const connectBody = connectEnd === -1 ? afterConnect : afterConnect.slice(0, connectEnd);
  const stream = tag('Stream').exec(connectBody);
  if (!stream) return null;
  const streamAttrs = parseAttributes(stream[1] ?? '');
  const parameters: Record<string, string> = {};
  if (stream[2] !== '/') {
    const afterStream = connectBody.slice(stream.index + stream[0].length);
    const streamEnd = afterStream.indexOf('</Stream>');
    const streamBody = streamEnd === -1 ? afterStream : afterStream.slice(0, streamEnd);
    for (const param of streamBody.matchAll(tag('Parameter', 'g'))) {
      const attrs = parseAttributes(param[1] ?? '');
      if (attrs.name !== undefined) parameters[attrs.name] = attrs.value ?? '';
    }
  }
  const action = parseAttributes(connect[1] ?? '').action;
  return {
    url: streamAttrs.url ?? '',
    parameters,
    ...(action !== undefined ? { connectAction: action } : {}),
    ...(streamAttrs.statusCallback !== undefined ? { statusCallback: streamAttrs.statusCallback } : {}),
  };
}
