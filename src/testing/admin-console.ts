/** Driving the admin console's settings forms in tests, as a browser would. */
import { csrfOf, type Page, type WebClient } from './web-client.ts';

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
