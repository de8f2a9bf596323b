import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CharterError } from '../errors.js';
import { fromHex, toHex } from './index.js';

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
