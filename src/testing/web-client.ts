/**
 * A browser-like client for the portal in tests: it keeps cookies, sends back the CSRF token of
 * the last page, and follows redirects when asked. Tests use Fastify's inject (no socket); the
 * benches the same client over real connections.
 */
import type { FastifyInstance } from 'fastify';

export interface Page {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
  /** The Location of a redirect. */
  location?: string;
}

export interface WebClient {
  readonly cookies: Map<string, string>;
  get(path: string): Promise<Page>;
  /** Posts a form; `_csrf` is taken from the last page unless given (or `false` to omit it). */
  post(path: string, fields: Record<string, string>, options?: PostOptions): Promise<Page>;
  /** Posts, then follows a 303 to the next page, as a browser does. */
  submit(path: string, fields: Record<string, string>, options?: PostOptions): Promise<Page>;
  /** The last page received. */
  readonly last: Page | undefined;
}

/** How a form is posted: its CSRF token, the source address, and headers a browser would add (Origin …). */
export interface PostOptions {
  csrf?: string | false;
  ip?: string;
  headers?: Record<string, string>;
}

/** The CSRF token in a page's form. */
export function csrfOf(body: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
}

/** One HTTP exchange: what a client needs of the wire, whether inject or a real socket. */
export type Transport = (request: {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  form?: string;
  ip: string;
}) => Promise<{ status: number; body: string; headers: Page['headers'] }>;

/** The portal in-process, over Fastify's inject; `ip` is the request's remote address. */
export function webClient(app: FastifyInstance, defaults: { ip?: string } = {}): WebClient {
  return browserClient(async ({ method, path, headers, form, ip }) => {
    const response = await app.inject({
      method,
      url: path,
      remoteAddress: ip,
      headers: { ...headers, ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form !== undefined ? { payload: form } : {}),
    });
    return { status: response.statusCode, body: response.body, headers: response.headers };
  }, defaults.ip ?? '127.0.0.1');
}

/** A browser-like client over any transport: cookies kept, CSRF token sent back, 303s followed by submit. */
export function browserClient(transport: Transport, defaultIp: string): WebClient {
  const cookies = new Map<string, string>();
  let last: Page | undefined;

  function remember(headers: Page['headers']) {
    const setCookie = headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : typeof setCookie === 'string' ? [setCookie] : []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired) cookies.delete(name);
      else cookies.set(name, pair!.slice(eq + 1).trim());
    }
  }

  async function request(
    method: 'GET' | 'POST',
    path: string,
    fields?: Record<string, string>,
    ip = defaultIp,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const response = await transport({
      method,
      path,
      ip,
      headers: { ...headers, cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
      ...(fields ? { form: new URLSearchParams(fields).toString() } : {}),
    });
    remember(response.headers);
    const page: Page = { ...response, ...(typeof response.headers.location === 'string' ? { location: response.headers.location } : {}) };
    last = page;
    return page;
  }

  const client: WebClient = {
    cookies,
    get: (path) => request('GET', path),
    post(path, fields, options = {}) {
      const csrf = options.csrf === undefined ? last && csrfOf(last.body) : options.csrf;
      return request('POST', path, { ...fields, ...(csrf ? { _csrf: csrf } : {}) }, options.ip, options.headers);
    },
    async submit(path, fields, options) {
      const page = await client.post(path, fields, options);
      return page.status === 303 && page.location ? request('GET', page.location) : page;
    },
    get last() {
      return last;
    },
  };
  return client;
}
