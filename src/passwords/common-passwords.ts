/**
 * The most common passwords, shipped with Latchkey so that screening refuses them before any
 * breached-password list is imported: zxcvbn-ts's list (about 49,000, lower-case), compared
 * with the password lower-cased ("Password1" is as common as "password1").
 */
import { createRequire } from 'node:module';

/** Loaded at the first check, not at start: the package's other lists are megabytes a portal under a flood of first steps never needs. */
const load = () => (createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common')).dictionary;
let common: ReadonlySet<string> | undefined;

export function isCommonPassword(password: string): boolean {
  common ??= new Set(load()['passwords-common'].map((word) => word.toLowerCase()));
  return common.has(password.toLowerCase());
}
