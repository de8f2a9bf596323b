import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CharterError } from '../errors.js';
import { fromHex, fromHexLoose, fromHexOrNull, toHex, toHexUpper } from './index.js';

describe('fromHex', () => {
  it('decodes lower- and upper-case hex like toHex encodes it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, upper) => {
        const h = upper ? toHex(b).toUpperCase() : toHex(b);
        expect(Array.from(fromHex(h))).toEqual(Array.from(b));
      }),
      { numRuns: 300 },
    );
    expect(Array.from(fromHex('0aFf'))).toEqual([10, 255]);
    expect(fromHex('')).toHaveLength(0);
  });

  it('refuses odd lengths and non-hex characters with INVALID_INPUT', () => {
    for (const bad of ['0', 'abc', 'zz', '0g', ' 0', '0x00', '\u0660\u0661', 'ａｂ', 'é0']) {
      expect(() => fromHex(bad)).toThrow(CharterError);
      try {
        fromHex(bad);
      } catch (e) {
        expect((e as CharterError).code).toBe('INVALID_INPUT');
      }
    }
  });
});

describe('the other hex forms', () => {
  it('toHexUpper is toHex in upper case (what Buffer gives)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        expect(toHexUpper(b)).toBe(Buffer.from(b).toString('hex').toUpperCase());
      }),
      { numRuns: 200 },
    );
  });

  it('fromHexOrNull takes only whole lower-case hex bytes, and null for anything else', () => {
    expect(Array.from(fromHexOrNull('0aff') as Uint8Array)).toEqual([10, 255]);
    expect(fromHexOrNull('')).toHaveLength(0);
    for (const bad of ['0AFF', '0', 'zz', '0x00', 1, null, undefined, ['00']]) expect(fromHexOrNull(bad)).toBeNull();
  });

  it('fromHexLoose takes either case and an optional 0x, and null when malformed', () => {
    expect(Array.from(fromHexLoose('0x0aFF') as Uint8Array)).toEqual([10, 255]);
    expect(Array.from(fromHexLoose('0X0a') as Uint8Array)).toEqual([10]);
    expect(Array.from(fromHexLoose('AB') as Uint8Array)).toEqual([171]);
    for (const bad of ['0x0', 'abc', 'zz', '0x', ' 00', '00 ']) {
      if (bad === '0x') expect(fromHexLoose(bad)).toHaveLength(0);
      else expect(fromHexLoose(bad)).toBeNull();
    }
  });
});
