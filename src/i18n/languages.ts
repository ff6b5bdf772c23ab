/**
 * The languages the portal speaks and how a request's language is chosen: the `lang` cookie set
 * by the picker wins, then the browser's Accept-Language (q-values, a region falls back to its
 * language: de-CH is served in German), then the configured default.
 */
import Negotiator from 'negotiator';

/** Every language with a complete resource file, the default first among equals. */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's own name for itself, as the picker shows it. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español', nl: 'Nederlands' };

/** Scripts written right to left; a language of theirs added to LANGUAGES gets dir="rtl" pages. */
const RIGHT_TO_LEFT = new Set(['ar', 'he', 'fa', 'ur']);

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The writing direction of `language`, for `<html dir>`. */
export function direction(language: string): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(language.split('-')[0]!) ? 'rtl' : 'ltr';
}

/** The supported language closest to a configured tag (`en-GB` is English), or English. */
export function supportedLanguage(tag: string | undefined): Language {
  const base = tag?.toLowerCase().split('-')[0];
  return isLanguage(base) ? base : 'en';
}

/** The language of a request: the picker's cookie, else the best match of Accept-Language, else `fallback`. */
export function negotiate(request: { cookie?: string | undefined; acceptLanguage?: string | undefined }, fallback: Language): Language {
  if (isLanguage(request.cookie)) return request.cookie;
  if (!request.acceptLanguage) return fallback;
  // The default goes first, so that a browser accepting anything (`*`) or several languages equally gets it.
  const offered = [fallback, ...LANGUAGES.filter((language) => language !== fallback)];
  const best = new Negotiator({ headers: { 'accept-language': request.acceptLanguage } }).language(offered);
  return isLanguage(best) ? best : fallback;
}
