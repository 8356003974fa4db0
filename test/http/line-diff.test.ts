// The transcript diff: equal lines aligned, a removed line paired with the added line beside it,
// and lines present on one side only left blank on the other.
import { expect, it } from 'vitest';
import { lineDiff } from '../../src/http/line-diff.js';

it.each([
  { left: ['a', 'b', 'c'], right: ['a', 'b', 'c'], rows: [['same', 'a', 'a'], ['same', 'b', 'b'], ['same', 'c', 'c']] },
  { left: ['220', 'SIZE 1', 'QUIT'], right: ['220', 'SIZE 2', 'QUIT'], rows: [['same', '220', '220'], ['changed', 'SIZE 1', 'SIZE 2'], ['same', 'QUIT', 'QUIT']] },
  { left: ['220', 'DSN', 'QUIT'], right: ['220', 'QUIT'], rows: [['same', '220', '220'], ['changed', 'DSN', null], ['same', 'QUIT', 'QUIT']] },
  { left: ['220'], right: ['220', 'CHUNKING', 'SMTPUTF8'], rows: [['same', '220', '220'], ['changed', null, 'CHUNKING'], ['changed', null, 'SMTPUTF8']] },
  { left: [], right: [], rows: [] },
])('$left vs $right', ({ left, right, rows }) => {
  expect(lineDiff(left, right).map((r) => [r.kind, r.left, r.right])).toEqual(rows);
});
