/**
 * Messages that name another flow ("use “My account is locked”") as a way out: each shown menu
 * item's label in the text becomes a link to its page, so a person stuck on one page is one
 * click from the right one. Hidden items stay plain text (their pages do not exist).
 */
import type { MenuItem } from '../config/menu-schema.ts';
import type { Translate } from '../i18n/translate.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);

/** `text` as HTML (escaped), with the label of each of `items` linked to its page (its address made by `href`, as the kiosk's differ). */
export function flowLinks(t: Translate, text: string, items: readonly MenuItem[], href: (path: string) => string = (path) => path): string {
  let html = escapeHtml(text);
  for (const item of items) {
    const label = escapeHtml(t(`menu.${item}`));
    html = html.split(label).join(`<a href="${escapeHtml(href(`/${item}`))}">${label}</a>`);
  }
  return html;
}
