/**
 * The sealed body, attacked byte by byte: every flipped byte, every cut, bytes appended, parts
 * swapped or taken from another file are refused, and a reader never passes on a byte that did
 * not come, unaltered, from the writer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { LatchkeyError } from '../errors.ts';
import { type BodyKey, NONCE_BYTES, openChunks, sealChunks } from './chunks.ts';

/** Small parts, so that a short text spans several and the whole file can be attacked byte by byte. */
const PART = 64;
const body = (aad = Buffer.from('header')): BodyKey => ({ key: randomBytes(32), nonce: randomBytes(NONCE_BYTES), aad });

/** Runs `input` through `transform`, fed in uneven pieces; the output so far, and the error if any. */
async function run(transform: NodeJS.ReadWriteStream, input: Buffer): Promise<{ output: Buffer; error?: unknown }> {
  const pieces: Buffer[] = [];
  for (let at = 0, size = 1; at < input.length; at += size, size = ((size * 7) % 23) + 1) pieces.push(input.subarray(at, at + size));
  const output: Buffer[] = [];
  try {
    for await (const chunk of Readable.from(pieces).pipe(transform)) output.push(chunk as Buffer);
    return { output: Buffer.concat(output) };
  } catch (error) {
    return { output: Buffer.concat(output), error };
  }
}

async function seal(key: BodyKey, plaintext: Buffer): Promise<Buffer> {
  const { output, error } = await run(sealChunks(key, PART), plaintext);
  assert.equal(error, undefined);
  return output;
}

function assertDamaged(result: { output: Buffer; error?: unknown }, plaintext: Buffer, what: string): void {
  assert.ok(result.error instanceof LatchkeyError && result.error.code === 'LK_BACKUP_DAMAGED', `${what}: ${String(result.error)}`);
  // What came out before the refusal is whole, authentic parts: a prefix of the original.
  assert.ok(plaintext.subarray(0, result.output.length).equals(result.output), `${what}: only authentic bytes were passed on`);
}

describe('sealed parts', () => {
  test('round trip at every size around the part boundaries', async () => {
    const key = body();
    for (const size of [0, 1, PART - 1, PART, PART + 1, 2 * PART, 3 * PART + 17]) {
      const plaintext = randomBytes(size);
      const sealed = await seal(key, plaintext);
      const { output, error } = await run(openChunks(key, 'f'), sealed);
      assert.equal(error, undefined, `size ${size}`);
      assert.ok(output.equals(plaintext), `size ${size}`);
    }
  });

  test('every flipped byte is refused', async () => {
    const key = body();
    const plaintext = randomBytes(3 * PART + 10);
    const sealed = await seal(key, plaintext);
    for (let at = 0; at < sealed.length; at++) {
      const altered = Buffer.from(sealed);
      altered[at]! ^= 0x01 << (at % 8);
      assertDamaged(await run(openChunks(key, 'f'), altered), plaintext, `byte ${at}`);
    }
  });

  test('every cut is refused, at part boundaries too', async () => {
    const key = body();
    const plaintext = randomBytes(3 * PART + 10);
    const sealed = await seal(key, plaintext);
    for (let length = 0; length < sealed.length; length++) {
      assertDamaged(await run(openChunks(key, 'f'), sealed.subarray(0, length)), plaintext, `cut at ${length}`);
    }
  });

  test('bytes after the last part, swapped parts and parts of another file are refused', async () => {
    const key = body();
    const plaintext = randomBytes(2 * PART + 10);
    const sealed = await seal(key, plaintext);
    assertDamaged(await run(openChunks(key, 'f'), Buffer.concat([sealed, Buffer.from([0])])), plaintext, 'appended');
    const part = 5 + PART + 16;
    const swapped = Buffer.concat([sealed.subarray(part, 2 * part), sealed.subarray(0, part), sealed.subarray(2 * part)]);
    assertDamaged(await run(openChunks(key, 'f'), swapped), plaintext, 'swapped');
    // Same key and nonce, another header: the parts are bound to their file's header.
    assertDamaged(await run(openChunks({ ...key, aad: Buffer.from('other header') }, 'f'), sealed), plaintext, 'other header');
    assertDamaged(await run(openChunks(body(), 'f'), sealed), plaintext, 'other key');
  });

  test('an altered length cannot make the reader wait for gigabytes', async () => {
    const key = body();
    const sealed = Buffer.from(await seal(key, randomBytes(10)));
    sealed.writeUInt32BE(0xffff_fff0, 1);
    const { error } = await run(openChunks(key, 'f'), sealed);
    assert.match(String((error as Error).message), /impossible length/);
  });
});
