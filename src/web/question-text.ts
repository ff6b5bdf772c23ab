/**
 * Security questions as the reader sees them. The built-in questions speak the page's language;
 * a question the admin or the person wrote is shown as written. The stored (English) text stays
 * what the answer is kept under, so a person enrolled in one language answers in any other.
 */
import { DEFAULT_QUESTIONS } from '../config/default-questions.ts';
import type { Translate } from '../i18n/translate.ts';

export function questionText(t: Translate, text: string): string {
  const index = DEFAULT_QUESTIONS.indexOf(text);
  return index < 0 ? text : t(`question.builtIn.${index}`);
}
