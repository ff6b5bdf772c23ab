/**
 * One-time verification codes: six digits from the CSPRNG, stored only as an HMAC keyed with a
 * server secret and bound to the flow. A plain hash of a six-digit code is reversed by trying
 * all million values; without the key that is impossible.
 */
import { createHmac, randomInt } from 'node:crypto';

/** A new six-digit code, leading zeros kept. */
export function generateCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The stored form of `code` for flow `flowId`. */
export function hashCode(key: Buffer, flowId: string, code: string): string {
  return createHmac('sha256', key).update(`${flowId}\u0000${code}`).digest('hex');
}

/** What a user typed, reduced to the digits of a code (people type spaces and dashes). */
export function normalizeTypedCode(typed: string): string {
  return typed.replace(/[\s-]/g, '');
}
