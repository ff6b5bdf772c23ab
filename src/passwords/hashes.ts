/**
 * The hashes a password is looked up by: SHA-1 of its UTF-8 (the usual list and the range API)
 * and NTLM, MD4 of its UTF-16LE (the NTLM list). Node's OpenSSL 3 no longer offers MD4, so it
 * comes from hash-wasm (a maintained WebAssembly build of the reference algorithms).
 */
import { createHash } from 'node:crypto';
import { md4 } from 'hash-wasm';
import type { HashKind } from './breached-index.ts';

export function sha1(password: string): Buffer {
  return createHash('sha1').update(password, 'utf8').digest();
}

export async function ntlm(password: string): Promise<Buffer> {
  return Buffer.from(await md4(Buffer.from(password, 'utf16le')), 'hex');
}

/** The password's hash of `kind`. */
export async function passwordHash(kind: HashKind, password: string): Promise<Buffer> {
  return kind === 'sha1' ? sha1(password) : ntlm(password);
}
