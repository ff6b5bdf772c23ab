/**
 * A generic HTTP SMS gateway, configured by a URL and a body template with `{{to}}` and
 * `{{message}}` placeholders. Each value is escaped for where it lands (URL, JSON, form, XML),
 * so nothing in a message can change the structure of the request.
 */
import { SmsConfigInvalid } from './errors.ts';
import { type Gateway, httpUrl, serverOf } from './sms-gateway.ts';

/** A gateway that takes a templated request. */
export interface HttpGatewaySettings {
  provider: 'http';
  /** May hold placeholders; their values are URL-encoded. */
  url: string;
  method: 'POST' | 'GET';
  /** Sent as given (an API key, for example). */
  headers: Record<string, string>;
  /** The POST body template; not sent with GET. */
  body: string;
  /** Decides the escaping of the body; sent as Content-Type. Default: the Content-Type in `headers`. */
  contentType?: string;
  /** Limit for the whole request, answer included. Default 10 s. */
  timeoutMs?: number;
}

/** The values a template can name. */
export interface TemplateValues {
  to: string;
  message: string;
}

type Escape = (value: string) => string;

const PLACEHOLDER = /\{\{\s*(to|message)\s*\}\}/g;

const XML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes for each kind of body. */
export const ESCAPES = {
  json: (value) => JSON.stringify(value).slice(1, -1),
  form: (value) => new URLSearchParams([['', value]]).toString().slice(1),
  xml: (value) => value.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char),
  raw: (value) => value,
} as const satisfies Record<string, Escape>;

/** `template` with each placeholder replaced by its escaped value, in one pass (a value's own braces stay). */
export function fillTemplate(template: string, values: TemplateValues, encode: Escape): string {
  return template.replace(PLACEHOLDER, (_, name: keyof TemplateValues) => encode(values[name]));
}

/** The body escape for a Content-Type. */
export function escapeFor(contentType: string | undefined): Escape {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return ESCAPES.json;
  if (type === 'application/x-www-form-urlencoded') return ESCAPES.form;
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return ESCAPES.xml;
  return ESCAPES.raw;
}

/** Values that need escaping everywhere, to check the templates once at start. */
const SAMPLE: TemplateValues = { to: '+15550100999', message: 'A "sample" & <text>\n' };

/** The gateway for `settings`; a template that cannot work is `LK_SMS_CONFIG` now, not at the first code. */
export function httpGateway(settings: HttpGatewaySettings): Gateway {
  const headers = { ...settings.headers };
  const headerType = Object.keys(headers).find((name) => name.toLowerCase() === 'content-type');
  if (settings.contentType) {
    if (headerType) delete headers[headerType];
    headers['Content-Type'] = settings.contentType;
  }
  const escapeBody = escapeFor(settings.contentType ?? (headerType && settings.headers[headerType]));
  const sendsBody = settings.method === 'POST';

  const url = (values: TemplateValues) => httpUrl(fillTemplate(settings.url, values, encodeURIComponent), 'url');
  // Checks the URL template now; a placeholder in the path shows with the sample number in the log.
  const server = serverOf(url(SAMPLE));
  if (sendsBody && escapeBody === ESCAPES.json) {
    try {
      JSON.parse(fillTemplate(settings.body, SAMPLE, escapeBody));
    } catch {
      throw SmsConfigInvalid({
        reason: 'the JSON body template is not valid JSON once filled in; put {{to}} and {{message}} inside quotes',
      });
    }
  }

  return {
    provider: 'http',
    server,
    request(to, message) {
      const values = { to, message };
      const body = sendsBody ? { body: fillTemplate(settings.body, values, escapeBody) } : {};
      return { url: url(values), init: { method: settings.method, headers, ...body } };
    },
    async check(response) {
      // The answer is not read: a gateway may echo the request, and with it the code.
      await response.body?.cancel();
      return response.ok ? null : { reason: 'rejected', status: response.status, error: response.statusText };
    },
  };
}
