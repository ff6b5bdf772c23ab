/**
 * The admin's wording of e-mails and text messages, per language. A text directly under its
 * key (`mail.code.body: …`) is the default language's, as these settings always held it; a
 * language tag holds that language's texts (`de: { mail.code.body: … }`).
 */
import { z } from 'zod';
import { isLanguage, LANGUAGES } from '../i18n/languages.ts';

const TEXT_KEY = /^(mail|sms)\.[A-Za-z.]+$/;
const text = z.string().max(4000);

export const notificationTextsSchema = z
  .record(z.string(), z.union([text, z.record(z.string().regex(TEXT_KEY, 'must be a mail.* or sms.* string key'), text)]))
  .superRefine((texts, ctx) => {
    for (const [key, value] of Object.entries(texts)) {
      if (typeof value === 'string' ? !TEXT_KEY.test(key) : !isLanguage(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `must be a mail.* or sms.* string key with its text, or a language (${LANGUAGES.join(', ')}) with its texts`,
        });
    }
  })
  .default({});

export type NotificationTexts = z.infer<typeof notificationTextsSchema>;

/** The admin's texts for `language`: its own, over the unmarked ones when it is the default language. */
export function notificationTextsIn(texts: NotificationTexts, language: string, defaultLanguage: string): Record<string, string> {
  const unmarked = Object.fromEntries(Object.entries(texts).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const own = texts[language];
  return { ...(language === defaultLanguage ? unmarked : {}), ...(typeof own === 'object' ? own : {}) };
}
