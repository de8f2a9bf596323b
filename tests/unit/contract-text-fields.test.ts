// Text the host keeps and shows back (address book names and notes, a trust
// file's name, an explorer query) follows the key Label's rule: no C0/DEL/C1
// control, no bidirectional mark, embedding, override or isolate, no line or
// paragraph separator.
import { describe, expect, it } from 'vitest';
import { methods } from '../../core/contract/index.js';

const FORBIDDEN = ['\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069'];
const DEST = 'acct:alice';

const cases: [string, (bad: string) => unknown][] = [
  ['addressBook name', (bad) => methods['addressBook.add'].input.safeParse({ name: `Al${bad}ice`, destination: DEST }).success],
  ['addressBook note', (bad) => methods['addressBook.add'].input.safeParse({ name: 'Alice', destination: DEST, note: `p${bad}ay` }).success],
  ['addressBook.remove name', (bad) => methods['addressBook.remove'].input.safeParse({ name: `Al${bad}ice` }).success],
  ['evidence.saveTrust name', (bad) => methods['evidence.saveTrust'].input.safeParse({ name: `tr${bad}ust.json`, trustText: '{}' }).success],
  ['explorer.search query', (bad) => methods['explorer.search'].input.safeParse({ query: `1${bad}2` }).success],
];

describe('contract text fields refuse control and bidirectional characters', () => {
  for (const [what, ok] of cases) {
    it(what, () => {
      expect(ok(''), `${what} without one`).toBe(true);
      for (const c of FORBIDDEN) expect(ok(c), `${what} with U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`).toBe(false);
    });
  }
});
