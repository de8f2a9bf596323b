import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromUtf8, fromUtf8Exact, utf8 } from '../codec/index.js';
import { CharterError } from '../errors.js';
import { MAX_DEPTH, MAX_NUMBER_LENGTH, jcsBytes, jcsOfText, parseStrictJson, parseStrictJsonBytes } from './jcs.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof CharterError ? e.code : `not a CharterError: ${String(e)}`;
  }
  return 'no error';
}

describe('parseStrictJson', () => {
  it('parses what JSON.parse parses, to the same value, for generated JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const text = JSON.stringify(v);
        // fast-check generates numbers beyond 2^53; only those may be refused (when written without an exponent)
        let tooBig = false;
        JSON.parse(text, (_k, x: unknown) => {
          if (typeof x === 'number' && Math.abs(x) > Number.MAX_SAFE_INTEGER) tooBig = true;
          return x;
        });
        const code = codeOf(() => parseStrictJson(text));
        if (code === 'no error') expect(parseStrictJson(text)).toEqual(JSON.parse(text));
        else {
          expect(code).toBe('NUMBER_NOT_REPRESENTABLE');
          expect(tooBig).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses invalid JSON with INVALID_JSON and the position', () => {
    for (const bad of [
      '',
      '{',
      '{"a":1,}',
      '[1,]',
      "{'a':1}",
      '01',
      '1.',
      '.5',
      '+1',
      'NaN',
      'Infinity',
      'tru',
      '"\u0001"',
      '"\\x"',
      '{"a" 1}',
      '1 2',
      '"abc',
      '"\\ud800"',
      '"\ud800"',
      '"\\udc00x"',
      '['.repeat(600) + ']'.repeat(600),
    ]) {
      expect(
        codeOf(() => parseStrictJson(bad)),
        JSON.stringify(bad),
      ).toBe('INVALID_JSON');
    }
    expect(() => parseStrictJson('{\n  "a": [1, 2,]\n}')).toThrow(/line 2, column 14 \(offset 15\), path \$\.a\[2\]/);
  });

  it('refuses duplicate keys, also when written with escapes, and names the path', () => {
    expect(codeOf(() => parseStrictJson('{"a":1,"a":2}'))).toBe('DUPLICATE_KEY');
    expect(codeOf(() => parseStrictJson('{"a":1,"\\u0061":2}'))).toBe('DUPLICATE_KEY');
    expect(codeOf(() => parseStrictJson('{"x":{"b":[{"k":1,"k":1}]}}'))).toBe('DUPLICATE_KEY');
    expect(() => parseStrictJson('{"x":{"b":[{"k":1,"k":1}]}}')).toThrow(/path \$\.x\.b\[0\]\.k/);
    expect(parseStrictJson('{"a":{"a":1},"b":{"a":2}}')).toEqual({ a: { a: 1 }, b: { a: 2 } });
  });

  it('refuses numbers a double cannot carry', () => {
    for (const bad of ['1e400', '-1e400', '1e-400', '9007199254740992', '-9007199254740993', '12345678901234567890', '9007199254740993.0', '[0.1e-999]']) {
      expect(
        codeOf(() => parseStrictJson(bad)),
        bad,
      ).toBe('NUMBER_NOT_REPRESENTABLE');
    }
    expect(parseStrictJson('9007199254740991')).toBe(9007199254740991);
    expect(parseStrictJson('-9007199254740991')).toBe(-9007199254740991);
    expect(parseStrictJson('0e400')).toBe(0);
    expect(parseStrictJson('1.5')).toBe(1.5);
    expect(parseStrictJson('1.5e300')).toBe(1.5e300);
  });

  it('counts nesting as arrays/objects open at once: 512 accepted, 513 refused', () => {
    expect(MAX_DEPTH).toBe(512);
    const arrays = (n: number, inner = '') => '['.repeat(n) + inner + ']'.repeat(n);
    const objects = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    // a scalar adds no level: [[1]] is depth 2, exactly as [[]] is
    expect(parseStrictJson(arrays(512))).toBeInstanceOf(Array);
    expect(parseStrictJson(arrays(512, '1'))).toBeInstanceOf(Array);
    expect(parseStrictJson(arrays(512, '"x"'))).toBeInstanceOf(Array);
    expect(codeOf(() => parseStrictJson(arrays(513)))).toBe('INVALID_JSON');
    expect(codeOf(() => parseStrictJson(arrays(513, '1')))).toBe('INVALID_JSON');
    expect(parseStrictJson(objects(512))).toBeTypeOf('object');
    expect(codeOf(() => parseStrictJson(objects(513)))).toBe('INVALID_JSON');
    // mixed: 256 objects around 256 arrays is 512; one more array is 513
    const mixed = (a: number) => '{"k":'.repeat(256) + arrays(a) + '}'.repeat(256);
    expect(codeOf(() => parseStrictJson(mixed(256)))).toBe('no error');
    expect(codeOf(() => parseStrictJson(mixed(257)))).toBe('INVALID_JSON');
    // siblings do not add up
    expect(codeOf(() => parseStrictJson(`[${arrays(511)},${arrays(511)}]`))).toBe('no error');
    expect(() => parseStrictJson(arrays(513))).toThrow(/more than 512 arrays\/objects nested/);
  });

  it('number rules at their boundaries', () => {
    const refused = [
      // overflow: rounds to ±Infinity (the largest double is 1.7976931348623157e308; halfway to the next is ...1580793e308)
      '1.7976931348623159e308',
      '-1.7976931348623159e308',
      '1e309',
      '1e400',
      // underflow: a literal with a non-zero digit that rounds to ±0 (below half the smallest subnormal, 2^-1075)
      '1e-400',
      '-1e-400',
      '2e-324',
      '2.4703282292062327e-324',
      '0.1e-999',
      '0.000001e-320',
      // no exponent: exact magnitude above 2^53 − 1, whatever the literal rounds to
      '9007199254740992',
      '-9007199254740992',
      '9007199254740991.4',
      '-9007199254740991.0000001',
      '9007199254740993.0',
    ];
    for (const bad of refused)
      expect(
        codeOf(() => parseStrictJson(bad)),
        bad,
      ).toBe('NUMBER_NOT_REPRESENTABLE');
    const accepted: [string, number][] = [
      ['1.7976931348623157e308', Number.MAX_VALUE],
      ['1.7976931348623158e308', Number.MAX_VALUE], // rounds down to the largest double
      ['-1.7976931348623157e308', -Number.MAX_VALUE],
      // zero written any way is zero: no non-zero digit, nothing lost
      ['0e-400', 0],
      ['0.0e-400', 0],
      ['0e400', 0],
      ['0.000', 0],
      // subnormals are doubles: accepted (rounded like any other decimal)
      ['1e-320', 1e-320],
      ['5e-324', Number.MIN_VALUE],
      ['3e-324', Number.MIN_VALUE],
      ['2.4703282292062328e-324', Number.MIN_VALUE],
      ['2.2250738585072014e-308', 2.2250738585072014e-308],
      // the exact-integer edge
      ['9007199254740991', 9007199254740991],
      ['-9007199254740991', -9007199254740991],
      ['9007199254740991.000', 9007199254740991],
      ['9007199254740990.9', 9007199254740991],
      // exponent forms are doubles by declaration
      ['9007199254740993e0', 9007199254740992],
      ['1E30', 1e30],
      ['1.5e300', 1.5e300],
    ];
    for (const [lit, v] of accepted) expect(parseStrictJson(lit), lit).toBe(v);
    expect(Object.is(parseStrictJson('-0'), -0)).toBe(true);
    expect(Object.is(parseStrictJson('-0.0e-400'), -0)).toBe(true);
    expect(fromUtf8(jcsOfText('[-0,1e-320,5e-324]'))).toBe('[0,1e-320,5e-324]');
  });

  it('refuses a number literal longer than MAX_NUMBER_LENGTH characters', () => {
    expect(MAX_NUMBER_LENGTH).toBe(4095);
    const ok = '0.' + '5'.repeat(MAX_NUMBER_LENGTH - 2);
    expect(ok).toHaveLength(4095);
    expect(parseStrictJson(ok)).toBe(Number(ok));
    expect(parseStrictJson(`[${ok}]`)).toEqual([Number(ok)]);
    expect(codeOf(() => parseStrictJson(ok + '5'))).toBe('NUMBER_NOT_REPRESENTABLE');
    expect(codeOf(() => parseStrictJson(`[${ok}5]`))).toBe('NUMBER_NOT_REPRESENTABLE');
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const v = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(fromUtf8(jcsBytes(v))).toBe('{"__proto__":{"polluted":true}}');
  });
});

describe('parseStrictJsonBytes', () => {
  const BOM = [0xef, 0xbb, 0xbf];
  it('parses UTF-8 bytes like parseStrictJson parses the text', () => {
    expect(parseStrictJsonBytes(utf8('{"a":["€",1]}'))).toEqual({ a: ['€', 1] });
    expect(codeOf(() => parseStrictJsonBytes(utf8('{"a":1,"a":2}')))).toBe('DUPLICATE_KEY');
    expect(codeOf(() => parseStrictJsonBytes(utf8('1e400')))).toBe('NUMBER_NOT_REPRESENTABLE');
    expect(codeOf(() => parseStrictJsonBytes(utf8('{')))).toBe('INVALID_JSON');
  });

  it('refuses a UTF-8 byte-order mark instead of stripping it (one text, one digest)', () => {
    // the default decoder hides it: that is the bug this guards against
    expect(fromUtf8(new Uint8Array([...BOM, 0x31]))).toBe('1');
    expect(fromUtf8Exact(new Uint8Array([...BOM, 0x31]))).toBe('\ufeff1');
    for (const doc of ['{}', '1', '{"a":1}', ' []']) {
      const b = new Uint8Array([...BOM, ...utf8(doc)]);
      expect(
        codeOf(() => parseStrictJsonBytes(b)),
        doc,
      ).toBe('INVALID_JSON');
      expect(() => parseStrictJsonBytes(b)).toThrow(/byte-order mark/);
    }
    // also as text, and after whitespace or inside the document
    expect(codeOf(() => parseStrictJson('\ufeff{}'))).toBe('INVALID_JSON');
    expect(codeOf(() => parseStrictJson(' \ufeff{}'))).toBe('INVALID_JSON');
    expect(codeOf(() => parseStrictJson('[1,\ufeff2]'))).toBe('INVALID_JSON');
    // U+FEFF inside a string is an ordinary character
    expect(parseStrictJsonBytes(utf8('"\ufeff"'))).toBe('\ufeff');
  });

  it('refuses bytes that are not UTF-8 with INVALID_JSON', () => {
    for (const b of [
      [0x22, 0xff, 0x22],
      [0x22, 0xc0, 0xaf, 0x22],
      [0x22, 0xed, 0xa0, 0x80, 0x22],
      [0xfe, 0xff, 0x00, 0x31],
      [0xef, 0xbb],
    ]) {
      expect(
        codeOf(() => parseStrictJsonBytes(new Uint8Array(b))),
        b.join(','),
      ).toBe('INVALID_JSON');
    }
  });
});

describe('jcsBytes (RFC 8785)', () => {
  it('reproduces the RFC 8785 §3.2.2 example', () => {
    const input =
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50,\n              2e-3, 0.000000000000000000000000001],\n  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}';
    expect(fromUtf8(jcsOfText(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units', () => {
    const input =
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}';
    const out = fromUtf8(jcsOfText(input));
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => out.indexOf(`${JSON.stringify(k).replace('\\r', '\\r')}:`));
    expect(order.every((x) => x > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
