import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '../codec/index.js';
import { CharterError } from '../errors.js';
import { jcsBytes, jcsOfText, parseStrictJson } from './jcs.js';

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
    for (const bad of ['', '{', '{"a":1,}', '[1,]', "{'a':1}", '01', '1.', '.5', '+1', 'NaN', 'Infinity', 'tru', '"\u0001"', '"\\x"', '{"a" 1}', '1 2', '"abc', '"\\ud800"', '"\ud800"', '"\\udc00x"', '[' .repeat(600) + ']'.repeat(600)]) {
      expect(codeOf(() => parseStrictJson(bad)), JSON.stringify(bad)).toBe('INVALID_JSON');
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
      expect(codeOf(() => parseStrictJson(bad)), bad).toBe('NUMBER_NOT_REPRESENTABLE');
    }
    expect(parseStrictJson('9007199254740991')).toBe(9007199254740991);
    expect(parseStrictJson('-9007199254740991')).toBe(-9007199254740991);
    expect(parseStrictJson('0e400')).toBe(0);
    expect(parseStrictJson('1.5')).toBe(1.5);
    expect(parseStrictJson('1.5e300')).toBe(1.5e300);
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const v = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(fromUtf8(jcsBytes(v))).toBe('{"__proto__":{"polluted":true}}');
  });
});

describe('jcsBytes (RFC 8785)', () => {
  it('reproduces the RFC 8785 §3.2.2 example', () => {
    const input = '{\n  "numbers": [333333333.33333329, 1E30, 4.50,\n              2e-3, 0.000000000000000000000000001],\n  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}';
    expect(fromUtf8(jcsOfText(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units', () => {
    const input = '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}';
    const out = fromUtf8(jcsOfText(input));
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => out.indexOf(`${JSON.stringify(k).replace('\\r', '\\r')}:`));
    expect(order.every((x) => x > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
