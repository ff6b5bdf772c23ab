import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BitReader, BitsExhausted, BitWriter, bitLength, bitsAt } from './bit-stream.ts';

function written(build: (writer: BitWriter) => void, bufferBytes = 3): { bytes: Uint8Array; bits: number } {
  const parts: Uint8Array[] = [];
  const writer = new BitWriter((bytes) => parts.push(bytes.slice()), bufferBytes);
  build(writer);
  const bits = writer.bits;
  writer.end();
  return { bytes: Buffer.concat(parts), bits };
}

test('fixed-width values, unary, gamma and Rice codes read back as written, across buffer flushes', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const items = Array.from({ length: 5000 }, (_, i) => {
    const kind = i % 4;
    if (kind === 0) {
      const length = 1 + Math.floor(random() * 52);
      return { kind, length, value: Math.floor(random() * 2 ** length) };
    }
    if (kind === 1) return { kind, value: Math.floor(random() * 40) };
    if (kind === 2) return { kind, value: 1 + Math.floor(random() ** 3 * 2 ** 33) };
    const k = Math.floor(random() * 30);
    return { kind, k, value: Math.floor(random() * 2 ** (k + 5)) };
  });
  const { bytes, bits } = written((writer) => {
    for (const item of items) {
      if (item.kind === 0) writer.write(item.value, item.length!);
      else if (item.kind === 1) writer.unary(item.value);
      else if (item.kind === 2) writer.gamma(item.value);
      else writer.rice(item.value, item.k!);
    }
  });
  assert.equal(bytes.length, Math.ceil(bits / 8));
  const reader = new BitReader(bytes, 0, bits);
  for (const item of items) {
    const value = item.kind === 0 ? reader.read(item.length!) : item.kind === 1 ? reader.unary() : item.kind === 2 ? reader.gamma() : reader.rice(item.k!);
    assert.equal(value, item.value);
  }
  assert.equal(reader.remaining, 0);
});

test('gamma codes have the textbook bits', () => {
  const { bytes, bits } = written((writer) => {
    writer.gamma(1); // 1
    writer.gamma(2); // 010
    writer.gamma(5); // 00101
  });
  assert.equal(bits, 9);
  assert.deepEqual([...bytes], [0b10100010, 0b10000000]);
});

test('a code that runs past the end it was given is reported, not read from the next bytes', () => {
  const { bytes } = written((writer) => writer.write(0, 16));
  assert.throws(() => new BitReader(bytes, 0, 12).unary(), BitsExhausted);
  assert.throws(() => new BitReader(bytes, 0, 12).read(13), BitsExhausted);
  assert.throws(() => new BitReader(bytes, 10, 16).gamma(), BitsExhausted);
});

test('bitsAt reads any window; bitLength counts bits', () => {
  const bytes = Uint8Array.from([0xff, 0x00, 0xa5, 0x5a, 0xff, 0xff, 0xff, 0xff]);
  assert.equal(bitsAt(bytes, 0, 8), 0xff);
  assert.equal(bitsAt(bytes, 4, 8), 0xf0);
  assert.equal(bitsAt(bytes, 16, 16), 0xa55a);
  assert.equal(bitsAt(bytes, 0, 53), Math.floor(Number(Buffer.from(bytes).readBigUInt64BE() >> 11n)));
  assert.deepEqual([0, 1, 2, 3, 4, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 40].map(bitLength), [0, 1, 2, 2, 3, 31, 32, 32, 41]);
});
