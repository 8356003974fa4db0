// The table of line keys shared by every target's fragment (src/metrics/line-keys.ts): one entry per
// distinct key, bounded however many distinct label values servers send.
import { describe, expect, it } from 'vitest';
import { INLINE_KEY, LineKeys, MAX_LINE_KEYS, keyIdAt } from '../../src/metrics/line-keys.js';

const startId = (start: string) => keyIdAt(start.charCodeAt(0), start.charCodeAt(1));

describe('LineKeys', () => {
  it('gives a key one id per family and label values, renders it once, and starts lines with bytes below 0x80', () => {
    const keys = new LineKeys();
    let rendered = 0;
    const key = (text: string) => () => (rendered++, text);
    const a = keys.lineStart(0, ['SIZE', 'true'], key(',extension="SIZE",tls="true"} '));
    expect(keys.lineStart(0, ['SIZE', 'true'], key('not rendered again'))).toBe(a);
    // Another family with the same text shares the key's bytes.
    expect(keys.lineStart(1, ['SIZE', 'true'], key(',extension="SIZE",tls="true"} '))).toBe(a);
    expect(rendered).toBe(2);
    expect(keys.bytes.map(String)).toEqual([',extension="SIZE",tls="true"} ']);
    for (let i = 1; i < 300; i++) keys.lineStart(2, [`K${i}`], key(`,k="${i}"} `));
    const last = keys.lineStart(2, ['K299'], key(''))!;
    expect(String(keys.bytes[startId(last)])).toBe(',k="299"} ');
    for (const start of [a!, last]) {
      expect(start).toHaveLength(2);
      expect(start.charCodeAt(0)).not.toBe(INLINE_KEY);
      expect(Math.max(start.charCodeAt(0), start.charCodeAt(1))).toBeLessThan(0x80);
    }
  });

  it('stops at its cap: a new key is written out in its line, keys already held keep their ids', () => {
    const keys = new LineKeys();
    for (let i = 0; i < MAX_LINE_KEYS + 500; i++) {
      const start = keys.lineStart(0, [`X-HOSTILE-${i}`, 'false'], () => `,extension="X-HOSTILE-${i}",tls="false"} `);
      expect(start === null).toBe(i >= MAX_LINE_KEYS);
    }
    expect(keys.bytes).toHaveLength(MAX_LINE_KEYS);
    expect(startId(keys.lineStart(0, ['X-HOSTILE-7', 'false'], () => '')!)).toBe(7);
  });
});
