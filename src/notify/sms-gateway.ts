/**
 * What the SMS providers have in common: each turns a number and a text into one HTTP request,
 * and tells a failed answer from a good one.
 */
import { SmsConfigInvalid, type SmsFailure, type SmsFailureDetails } from './errors.ts';

/** One HTTP request to a gateway. */
export interface GatewayRequest {
  url: URL;
  init: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string };
}

/** A provider's side of sending one SMS. */
export interface Gateway {
  provider: SmsFailureDetails['provider'];
  /** The gateway's address for the log: origin and path, never the query. */
  server: string;
  /** The request that sends `message` to `to` (already E.164). */
  request(to: string, message: string): GatewayRequest;
  /** Null when the answer means "sent"; otherwise what went wrong. Reads or discards the body. */
  check(response: Response): Promise<SmsFailure | null>;
}

/** `text` as an http(s) URL, or `LK_SMS_CONFIG` naming the `setting`. */
export function httpUrl(text: string, setting: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw SmsConfigInvalid({ reason: `${setting} is not a URL` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw SmsConfigInvalid({ reason: `${setting} must be an http:// or https:// URL, not ${url.protocol}` });
  }
  return url;
}

/** The URL as the log may show it. */
export function serverOf(url: URL): string {
  return url.origin + url.pathname;
}
