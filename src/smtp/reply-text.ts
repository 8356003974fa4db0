// Decoding of reply text (RFC 5321 §4.2 textstring) that must never fail on what servers really send.
import { isUtf8 } from 'node:buffer';

/**
 * Decodes raw[start, end) as UTF-8 when it is valid UTF-8, else as Latin-1. RFC 5321 text is
 * US-ASCII, but localised banners arrive in both encodings; Latin-1 keeps every byte visible
 * where UTF-8 replacement would erase them. NUL bytes become U+FFFD: they are never meaningful
 * in a reply and would truncate the text in C-string consumers (SQLite, label values, logs).
 */
export function decodeReplyText(raw: Buffer, start: number, end: number): string {
  // Fast path for the usual all-ASCII text: no view, no UTF-8 decoder.
  let i = start;
  while (i < end && raw[i]! < 0x80 && raw[i] !== 0) i++;
  if (i === end) return raw.toString('latin1', start, end);
  const bytes = raw.subarray(start, end);
  const text = bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
  return bytes.includes(0) ? text.replaceAll('\0', '\uFFFD') : text;
}
