/** Signing in to the admin console and driving its settings forms in tests, as a browser would. */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { devDomain } from './dev-domain.ts';
import { csrfOf, type Page, type WebClient, webClient } from './web-client.ts';

/** A browser signed in to the console as the dev domain's portal admin. */
export async function signedInAdmin(server: FastifyInstance): Promise<WebClient> {
  const facts = devDomain();
  const client = webClient(server);
  await client.get('/admin');
  const page = await client.submit('/admin/sign-in', { username: facts.admins.member, domain: '', password: facts.userPassword });
  assert.match(page.body, /Dashboard/, 'the admin is in');
  return client;
}

/** Posts a settings form as the page would: every field as shown, with `changes` applied. */
export async function saveSettings(client: WebClient, section: string, changes: Record<string, string>, action = ''): Promise<Page> {
  const page = await client.get(`/admin/settings/${section}`);
  const fields: Record<string, string> = {};
  for (const [, name, value] of page.body.matchAll(/<input type="(?:text|number)" id="[^"]+" name="([^"]+)" value="([^"]*)"/g))
    fields[name!] = value!.replace(/&amp;/g, '&');
  for (const [, name, value] of page.body.matchAll(/<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g))
    fields[name!] = value!.replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  for (const [, name] of page.body.matchAll(/<input type="checkbox" id="[^"]+" name="([^"]+)" checked/g)) fields[name!] = 'on';
  for (const [, name, selected] of page.body.matchAll(/<select id="[^"]+" name="([^"]+)">(?:(?!<\/select>)[\s\S])*?<option selected>([^<]*)<\/option>/g))
    fields[name!] = selected!;
  return client.post(`/admin/settings/${section}${action}`, { ...fields, ...changes }, { csrf: csrfOf(page.body) ?? false });
}
