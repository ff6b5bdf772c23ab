/**
 * Bits written and read most significant first, with the two codes the breached-password index
 * uses: unary (n zeros then a one), and from it Elias gamma (for counts) and Rice (for gaps
 * between sorted values). Values are JavaScript numbers, exact up to 2^53.
 */

/** Appends bits to a byte buffer; full buffers go to `flush` (which must copy or write them at once). */
export class BitWriter {
  private buffer: Uint8Array;
  private used = 0;
  /** The bits of the byte being filled, and how many. */
  private partial = 0;
  private partialBits = 0;
  /** Bits written so far, flushed or not. */
  bits = 0;

  constructor(
    private readonly flush: (bytes: Uint8Array) => void,
    bufferBytes = 1 << 20,
  ) {
    this.buffer = new Uint8Array(bufferBytes);
  }

  /** Writes the low `length` bits of `value` (a whole number below 2^53). */
  write(value: number, length: number): void {
    this.bits += length;
    let left = length;
    while (left > 24) {
      left -= 24;
      this.put(Math.floor(value / 2 ** left) % 2 ** 24, 24);
    }
    this.put(value % 2 ** left, left);
  }

  /** `count` zeros then a one. */
  unary(count: number): void {
    this.bits += count + 1;
    let left = count;
    while (left >= 24) {
      this.put(0, 24);
      left -= 24;
    }
    this.put(1, left + 1);
  }

  /** Elias gamma: for n ≥ 1, as many zeros as n has bits after its leading one, then n. */
  gamma(n: number): void {
    const width = bitLength(n);
    this.unary(width - 1);
    this.write(n - 2 ** (width - 1), width - 1);
  }

  /** Rice with parameter k: the quotient by 2^k in unary, then the remainder in k bits. */
  rice(n: number, k: number): void {
    const divisor = 2 ** k;
    const quotient = Math.floor(n / divisor);
    this.unary(quotient);
    this.write(n - quotient * divisor, k);
  }

  /** Pads the last byte with zeros and flushes everything. */
  end(): void {
    if (this.partialBits > 0) this.put(0, 8 - this.partialBits);
    if (this.used > 0) this.flush(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Appends `length` (≤ 24) bits: with the at most 7 bits waiting, they fit a 31-bit integer. */
  private put(value: number, length: number): void {
    const joined = (this.partial << length) | value;
    let pending = this.partialBits + length;
    while (pending >= 8) {
      pending -= 8;
      this.buffer[this.used++] = (joined >>> pending) & 0xff;
      if (this.used === this.buffer.length) {
        this.flush(this.buffer);
        this.used = 0;
      }
    }
    this.partial = joined & ((1 << pending) - 1);
    this.partialBits = pending;
  }
}

/** Thrown by BitReader when a code runs past the end it was given: the data is damaged. */
export class BitsExhausted extends Error {
  override readonly name = 'BitsExhausted';
}

/** Reads bits from `bytes` between two bit positions. */
export class BitReader {
  constructor(
    private readonly bytes: Uint8Array,
    /** The next bit to read. */
    public position: number,
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.position;
  }

  /** Reads `length` bits (at most 53) as a number. */
  read(length: number): number {
    if (length > this.end - this.position) throw new BitsExhausted();
    const value = bitsAt(this.bytes, this.position, length);
    this.position += length;
    return value;
  }

  /** Counts zeros up to the next one, and consumes both. */
  unary(): number {
    let zeros = 0;
    for (;;) {
      if (this.position >= this.end) throw new BitsExhausted();
      const offset = this.position & 7;
      const available = Math.min(8 - offset, this.end - this.position);
      // The available bits of this byte, at the top of a 32-bit word, so clz32 counts leading zeros.
      const window = ((this.bytes[this.position >>> 3]! << offset) & 0xff) >>> (8 - available);
      if (window === 0) {
        zeros += available;
        this.position += available;
        continue;
      }
      const leading = Math.clz32(window) - (32 - available);
      this.position += leading + 1;
      return zeros + leading;
    }
  }

  gamma(): number {
    const extra = this.unary();
    return 2 ** extra + this.read(extra);
  }

  rice(k: number): number {
    const quotient = this.unary();
    return quotient * 2 ** k + this.read(k);
  }
}

/** The `length` bits (at most 53) of `bytes` from bit `start`, most significant first. */
export function bitsAt(bytes: Uint8Array, start: number, length: number): number {
  let value = 0;
  let position = start;
  let left = length;
  while (left > 0) {
    const offset = position & 7;
    const take = Math.min(8 - offset, left);
    const chunk = (bytes[position >>> 3]! >>> (8 - offset - take)) & ((1 << take) - 1);
    value = value * (1 << take) + chunk;
    position += take;
    left -= take;
  }
  return value;
}

/** How many bits `n` (≥ 0) needs: 0 for 0, 1 for 1, 2 for 2–3 … */
export function bitLength(n: number): number {
  return n < 2 ** 31 ? 32 - Math.clz32(n) : Math.floor(Math.log2(n)) + 1;
}
