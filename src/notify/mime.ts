/**
 * Just enough MIME reading for the outbox: headers (with RFC 2047 encoded words) and the
 * text/plain part of a message, decoded from quoted-printable or base64 and its charset.
 * Messages are handled as latin1 strings so that every byte survives until the charset is known.
 */

/** A message's headers (names in lower case, first occurrence) and its text. */
export interface ParsedMessage {
  headers: ReadonlyMap<string, string>;
  subject: string;
  /** The first text/plain part, decoded; empty when there is none. */
  text: string;
}

/** Reads a raw RFC 5322 message. */
export function parseMessage(raw: Buffer): ParsedMessage {
  const part = splitPart(raw.toString('latin1'));
  return { headers: part.headers, subject: decodeWords(part.headers.get('subject') ?? ''), text: plainText(part) ?? '' };
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(source: string): Part {
  const blank = /\r?\n\r?\n/.exec(source);
  const head = blank ? source.slice(0, blank.index) : source;
  const headers = new Map<string, string>();
  // Unfold (a line break before white space is only a fold), then read one "Name: value" per line.
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    // Raw 8-bit header text (SMTPUTF8) is UTF-8; encoded words are decoded later, by whoever reads the header.
    const value = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8');
    if (colon > 0 && !headers.has(name)) headers.set(name, value);
  }
  return { headers, body: blank ? source.slice(blank.index + blank[0].length) : '' };
}

/** The media type and parameters of a Content-Type value. */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = '', ...rest] = (value ?? 'text/plain').split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq > 0)
      params.set(
        param.slice(0, eq).trim().toLowerCase(),
        param
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

function plainText(part: Part): string | undefined {
  const { type, params } = contentType(part.headers.get('content-type'));
  const boundary = params.get('boundary');
  if (type.startsWith('multipart/') && boundary) {
    const delimiter = `--${boundary}`;
    const sections = part.body.split(new RegExp(`(?:^|\\r?\\n)${escapeRegExp(delimiter)}`));
    // The first section is the preamble; the one after the closing delimiter starts with "--".
    for (const section of sections.slice(1)) {
      if (section.startsWith('--')) break;
      const text = plainText(splitPart(section.replace(/^[ \t]*\r?\n/, '')));
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (type !== 'text/plain') return undefined;
  const bytes = decodeTransfer(part.body, part.headers.get('content-transfer-encoding'));
  // Lines travel as CRLF; readers of the text expect the usual \n.
  return decodeCharset(bytes, params.get('charset')).replace(/\r\n/g, '\n');
}

function decodeTransfer(body: string, encoding = '7bit'): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.replace(/=\r?\n/g, ''));
    default:
      return Buffer.from(body, 'latin1');
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  return Buffer.from(
    text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
}

function decodeCharset(bytes: Buffer, charset = 'utf-8'): string {
  try {
    return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
  } catch {
    return bytes.toString('latin1'); // an unknown charset: better readable bytes than nothing
  }
}

/** Decodes RFC 2047 encoded words; adjacent words are joined, as the RFC says, before decoding. */
export function decodeWords(value: string): string {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  return value.replace(/=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=(?:\s+=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)*/g, (run) => {
    const chunks: { charset: string; bytes: Buffer }[] = [];
    for (const [, charset = 'utf-8', encoding = 'B', data = ''] of run.matchAll(word)) {
      const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQuotedPrintable(data.replace(/_/g, ' '));
      const last = chunks.at(-1);
      // A character may be split across two words of the same charset, so join their bytes first.
      if (last && last.charset === charset.toLowerCase()) last.bytes = Buffer.concat([last.bytes, bytes]);
      else chunks.push({ charset: charset.toLowerCase(), bytes });
    }
    return chunks.map((chunk) => decodeCharset(chunk.bytes, chunk.charset)).join('');
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
