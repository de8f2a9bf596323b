// The entry-name rules of docs/formats/evidence-bundle.md §5 step 2: the byte length limit and the order of the rules.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../codec/index.js';
import { MAX_PATH_LENGTH, pathProblem } from './paths.js';

const reason = (name: string, valid = true) => pathProblem(name, valid)?.reason ?? null;

describe('pathProblem: length in UTF-8 bytes', () => {
  it('accepts 1024 bytes and refuses 1025, whatever the characters', () => {
    expect(MAX_PATH_LENGTH).toBe(1024);
    for (const ch of ['x', 'é', '€', '😀']) {
      const bytesPer = utf8(ch).length;
      const fits = 'x'.repeat(1024 % bytesPer) + ch.repeat(Math.floor(1024 / bytesPer));
      expect(utf8(fits).length).toBe(1024);
      expect(reason(fits), `${ch} × ${Math.floor(1024 / bytesPer)}`).toBeNull();
      expect(reason(fits + 'x')).toBe('PATH_TOO_LONG');
    }
    // 342 × "€" is 342 UTF-16 units (under 1024 by character count) but 1026 bytes
    const euros = '€'.repeat(342);
    expect(euros.length).toBeLessThan(1024);
    expect(reason(euros)).toBe('PATH_TOO_LONG');
    expect(pathProblem(euros)?.detail).toContain('1026 bytes');
    // a directory name's trailing "/" counts
    expect(reason('d/'.padStart(1024, 'x'))).toBeNull();
    expect(reason('d/'.padStart(1025, 'x'))).toBe('PATH_TOO_LONG');
  });
});

describe('pathProblem: the order of the rules', () => {
  it('applies the rules in the documented order when several are broken', () => {
    const long = 'x'.repeat(1030);
    const cases: [string, boolean, string][] = [
      ['', false, 'BAD_NAME_ENCODING'],
      ['/../a\\b', false, 'BAD_NAME_ENCODING'],
      [`/${long}\u0000\\:/..`, true, 'PATH_TOO_LONG'],
      ['/a\u0001\\b:/../.', true, 'CONTROL_CHARACTER'],
      ['/a\\b:/../.', true, 'BACKSLASH'],
      ['/a:/../.', true, 'ABSOLUTE_PATH'],
      ['/', true, 'ABSOLUTE_PATH'],
      ['a:/../.', true, 'DRIVE_LETTER'],
      ['c:x', true, 'DRIVE_LETTER'],
      ['a/b:c', true, 'DRIVE_LETTER'],
    ];
    for (const [n, valid, r] of cases) expect(reason(n, valid), JSON.stringify(n)).toBe(r);
  });

  it('within the segment rules, the leftmost offending segment decides', () => {
    const cases: [string, string][] = [
      ['a/./b/../c', 'DOT_SEGMENT'],
      ['a/../b/./c', 'PARENT_PATH'],
      ['a//b/../c', 'EMPTY_SEGMENT'],
      ['a/../b//c', 'PARENT_PATH'],
      ['./..', 'DOT_SEGMENT'],
      ['../.', 'PARENT_PATH'],
      ['a/b/.', 'DOT_SEGMENT'],
      ['a/b/..', 'PARENT_PATH'],
      ['a/b//', 'EMPTY_SEGMENT'], // one trailing "/" is removed, the second is an empty segment
      ['./', 'DOT_SEGMENT'],
      ['a/.../b', ''], // "..." is an ordinary name
      ['.a/..b/b.', ''],
    ];
    for (const [n, r] of cases) expect(reason(n) ?? '', JSON.stringify(n)).toBe(r);
  });
});
