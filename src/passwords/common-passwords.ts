/**
 * The most common passwords, shipped with Latchkey so that screening refuses them before any
 * breached-password list is imported: zxcvbn-ts's list (about 49,000, lower-case), compared
 * with the password lower-cased ("Password1" is as common as "password1").
 */
import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((word) => word.toLowerCase()));
  return common.has(password.toLowerCase());
}
