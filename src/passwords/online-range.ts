/**
 * The online check against the Pwned Passwords range API, by k-anonymity: only the first 5 hex
 * digits of the password's SHA-1 leave the server (GET <url><prefix>); the answer lists every
 * known hash under that prefix (the other 35 digits and a count), and the match is made here.
 * `Add-Padding: true` asks the service to pad the answer with made-up entries of count 0 (so
 * that its size does not tell the prefix either); they are skipped.
 */

/** Where and how long to ask. */
export interface RangeService {
  /** The range endpoint; the prefix is appended (a missing final / is added). */
  url: string;
  timeoutMs: number;
}

/** What the service said: the password's count (0: not listed), or why it could not answer. */
export type OnlineAnswer = { reached: true; count: number } | { reached: false; reason: string };

const ENTRY = /^([0-9A-Fa-f]{35}):(\d+)$/;
/**
 * The most of an answer that is read. A range, padded, is 800 to 1,000 lines of about 40 bytes;
 * a URL that streams without end (set wrongly, or taken over) must not fill the portal's memory.
 */
export const MAX_ANSWER_BYTES = 1 << 20;

/** Asks the range service about the SHA-1 `hashHex` (40 hex digits); never throws. */
export async function onlineCount(hashHex: string, service: RangeService): Promise<OnlineAnswer> {
  const prefix = hashHex.slice(0, 5).toUpperCase();
  const suffix = hashHex.slice(5).toUpperCase();
  const base = service.url.endsWith('/') ? service.url : `${service.url}/`;
  try {
    // The timeout covers the body as well as the headers: a server that stalls half-way is unreachable too.
    const signal = AbortSignal.timeout(service.timeoutMs);
    const response = await fetch(`${base}${prefix}`, { headers: { 'Add-Padding': 'true', 'User-Agent': 'Latchkey' }, signal, redirect: 'error' });
    if (!response.ok) {
      await response.body?.cancel();
      return { reached: false, reason: `HTTP ${response.status}` };
    }
    const text = await boundedText(response, MAX_ANSWER_BYTES);
    if (text === null) return { reached: false, reason: `an answer larger than ${MAX_ANSWER_BYTES} bytes` };
    let entries = 0;
    let count = 0;
    for (const line of text.split('\n')) {
      const entry = ENTRY.exec(line.trim());
      if (!entry) continue;
      entries += 1;
      if (entry[1]!.toUpperCase() === suffix) count = Math.max(count, Number(entry[2]));
    }
    // Every prefix has entries (and padding): an answer without any was not the range service's.
    if (entries === 0) return { reached: false, reason: 'the answer is not a range' };
    return { reached: true, count };
  } catch (error) {
    const name = (error as Error).name;
    return {
      reached: false,
      reason: name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${service.timeoutMs} ms` : String((error as Error).cause ?? error),
    };
  }
}

/** The body as text, or null (and the rest not read) once it passes `limit` bytes. */
async function boundedText(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const pieces: Uint8Array[] = [];
  let bytes = 0;
  for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
    bytes += piece.value.byteLength;
    if (bytes > limit) {
      await reader.cancel();
      return null;
    }
    pieces.push(piece.value);
  }
  return Buffer.concat(pieces).toString('utf8');
}
