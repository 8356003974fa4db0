// A gzip member made of sections compressed on their own must read back as the sections' text in
// order, with the CRC-32 and length every gzip reader checks: zlib's, and Go's via a real
// Prometheus in the end-to-end scrape tests.
import { randomBytes } from 'node:crypto';
import { crc32, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GZIP_HEADER, GzipTrailer, SectionCompressor, crc32Combine, type GzipSection } from '../../src/metrics/gzip-sections.js';

function compress(chunks: Buffer[]): GzipSection {
  const section = new SectionCompressor();
  for (const chunk of chunks) section.add(chunk);
  return section.finish();
}

function member(sections: GzipSection[]): Buffer {
  const trailer = new GzipTrailer();
  sections.forEach((s) => trailer.add(s));
  return Buffer.concat([GZIP_HEADER, ...sections.flatMap((s) => s.pieces), trailer.bytes()]);
}

describe('crc32Combine', () => {
  it.each([
    [0, 0],
    [5, 0],
    [0, 9],
    [1, 1],
    [333, 70_001],
    [100_000, 1 << 20],
  ])('gives the CRC-32 of %d bytes followed by %d bytes', (a, b) => {
    const A = randomBytes(a);
    const B = randomBytes(b);
    expect(crc32Combine(crc32(A), crc32(B), b)).toBe(crc32(Buffer.concat([A, B])));
  });
});

describe('a gzip member of sections', () => {
  const text = (s: string, n: number) => Buffer.from(s.repeat(n));

  it('reads back as the sections in order, whatever order and however often they are sent', () => {
    const texts = {
      lines: [text('smtp_esmtp{target="a:25"} 1\n', 3000), text('ü🚀\n', 10)],
      empty: [],
      random: [randomBytes(70_000), randomBytes(10)],
    };
    const sections = { lines: compress(texts.lines), empty: compress(texts.empty), random: compress(texts.random) };
    const orders: Array<Array<keyof typeof texts>> = [['lines', 'empty', 'random'], ['random', 'lines'], ['empty'], ['lines', 'lines', 'lines']];
    for (const order of orders) {
      const body = gunzipSync(member(order.map((k) => sections[k])));
      expect(body.equals(Buffer.concat(order.flatMap((k) => texts[k])))).toBe(true);
    }
  });

  it('holds no more memory than its compressed bytes', () => {
    const section = compress([text('x', 65_536)]);
    for (const piece of section.pieces) expect(piece.buffer.byteLength).toBe(piece.length);
  });

  it('an empty member is an empty body', () => {
    expect(gunzipSync(member([])).length).toBe(0);
  });
});
