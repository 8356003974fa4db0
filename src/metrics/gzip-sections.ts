// One gzip member (RFC 1952) put together from sections compressed on their own, so that a section
// whose text has not changed since the last scrape is sent as the bytes compressed then.
//
// Each section is raw DEFLATE (RFC 1951) that ends with a sync flush: byte-aligned, no final block,
// and no reference to anything before it, so sections can follow one another in any order (pigz
// does the same to compress on several cores). The member ends with an empty final block, then the
// CRC-32 and length of the whole text: the CRC is combined from the sections' own (crc32Combine),
// so a reused section is not read again. One member, not several, so that every gzip reader (not
// only the multi-member ones, as Go's and Python's are) reads the whole body.
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** The gzip header: deflate, no name or time, OS unknown (as Go's compress/gzip writes it). */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** A section's compressed bytes with what the trailer needs of its text. */
export interface GzipSection {
  readonly pieces: readonly Buffer[];
  /** CRC-32 of the section's text. */
  readonly crc: number;
  /** Bytes of text. */
  readonly length: number;
}

/** Compresses a section's text a chunk at a time, as it is written. */
export class SectionCompressor {
  private readonly pieces: Buffer[] = [];
  private crc = 0;
  private length = 0;

  /**
   * The chunk compressed on its own (level 1, as promhttp's gzip.BestSpeed). zlib runs on this
   * thread: ~0.1 ms per 64 KB chunk, and the body's reader takes one piece at a time.
   */
  add(chunk: Buffer): Buffer {
    this.crc = crc32(chunk, this.crc);
    this.length += chunk.length;
    const deflated = deflateRawSync(chunk, { level: constants.Z_BEST_SPEED, finishFlush: constants.Z_SYNC_FLUSH });
    // zlib hands back a view of a 16 KB output buffer; a piece that is kept must not pin it.
    const piece = Buffer.allocUnsafeSlow(deflated.length);
    deflated.copy(piece);
    this.pieces.push(piece);
    return piece;
  }

  finish(): GzipSection {
    return { pieces: this.pieces, crc: this.crc, length: this.length };
  }
}

/** The running CRC and length of the sections sent so far, for the trailer. */
export class GzipTrailer {
  private crc = 0;
  private length = 0;

  add(section: GzipSection): void {
    this.crc = crc32Combine(this.crc, section.crc, section.length);
    this.length += section.length;
  }

  /** An empty final block (fixed Huffman codes, end of block), then CRC-32 and length mod 2^32. */
  bytes(): Buffer {
    const out = Buffer.alloc(10);
    out[0] = 0x03;
    out.writeUInt32LE(this.crc, 2);
    out.writeUInt32LE(this.length % 0x1_0000_0000, 6);
    return out;
  }
}

// CRC-32 arithmetic: polynomials over GF(2) modulo the CRC's, bit-reflected as CRC-32 stores them
// (bit 31 is x^0). The CRC of A followed by B is crcA × x^(8·|B|) + crcB.
const POLYNOMIAL = 0xedb88320;
/** x^0 and x^1 in that representation. */
const ONE = 0x8000_0000;
const X = 0x4000_0000;

function multiplyModP(a: number, b: number): number {
  let product = 0;
  for (let bit = ONE; bit !== 0; bit >>>= 1) {
    if ((a & bit) !== 0) product ^= b;
    b = (b & 1) !== 0 ? (b >>> 1) ^ POLYNOMIAL : b >>> 1;
  }
  return product >>> 0;
}

/** x^(8·bytes) mod P, by squaring. */
function shiftByBytes(bytes: number): number {
  let result = ONE;
  let square = X;
  for (let n = bytes * 8; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = multiplyModP(result, square);
    square = multiplyModP(square, square);
  }
  return result;
}

/** The CRC-32 of A followed by B, from A's CRC, B's CRC and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(shiftByBytes(lengthB), crcA) ^ crcB) >>> 0;
}
