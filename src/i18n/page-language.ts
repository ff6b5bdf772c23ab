/**
 * The language of the page being answered, for everything that runs while answering it: the
 * web sets it once per request, and every `ctx.t` (in routes and flows alike) then speaks it
 * without a translator being handed down through each call. Outside a request it is undefined
 * and texts fall back to the default language.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Formats, formatsFor } from './format.ts';
import type { Language } from './languages.ts';

const current = new AsyncLocalStorage<Language>();

/** Runs `work` (and all it awaits) in `language`. */
export function inLanguage<T>(language: Language, work: () => T): T {
  return current.run(language, work);
}

/** The language of the page being answered, if any. */
export function pageLanguage(): Language | undefined {
  return current.getStore();
}

/** The formats of the page being answered, or of `fallback` outside a request. */
export function pageFormats(fallback: string): Formats {
  return formatsFor(pageLanguage() ?? fallback);
}
