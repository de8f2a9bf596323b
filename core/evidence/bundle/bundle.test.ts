import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../codec/index.js';
import { fromBase64, toBase64 } from './base64.js';
import { pae } from './dsse.js';
import { entryType, pathProblem } from './paths.js';
import { buildManifest, manifestBytes, parseManifest } from './manifest.js';

describe('DSSE PAE', () => {
  it('matches the DSSE protocol example', () => {
    // https://github.com/secure-systems-lab/dsse/blob/master/protocol.md (test vector)
    expect(fromUtf8(pae('http://example.com/HelloWorld', utf8('hello world')))).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });
  it('counts bytes, not characters', () => {
    expect(fromUtf8(pae('t', utf8('é')))).toBe('DSSEv1 1 t 2 é');
  });
});

describe('base64', () => {
  it('round-trips and agrees with Buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const s = toBase64(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(s)).toEqual(b);
    }));
  });
  it('refuses non-canonical or foreign input', () => {
    for (const s of ['A', 'AB=', 'QQ=a', 'QR==', 'QQ==QQ==', '-_8=', 'QUJD\n']) expect(fromBase64(s), s).toBeNull();
  });
});

describe('entry names and types', () => {
  it('accepts plain relative paths and refuses each escape with its reason', () => {
    expect(pathProblem('transactions/AB.json')).toBeNull();
    expect(pathProblem('a/')).toBeNull();
    const cases: [string, string][] = [
      ['', 'EMPTY_PATH'], ['/a', 'ABSOLUTE_PATH'], ['a/../b', 'PARENT_PATH'], ['..', 'PARENT_PATH'], ['a\\b', 'BACKSLASH'],
      ['C:/x', 'DRIVE_LETTER'], ['c:x', 'DRIVE_LETTER'], ['a//b', 'EMPTY_SEGMENT'], ['./a', 'DOT_SEGMENT'], ['a\u0000', 'CONTROL_CHARACTER'], ['x'.repeat(1025), 'PATH_TOO_LONG'],
    ];
    for (const [n, r] of cases) expect(pathProblem(n)?.reason, JSON.stringify(n)).toBe(r);
  });
  it('reads types from the external attributes', () => {
    const unix = (mode: number) => ({ name: 'x', versionMadeBy: (3 << 8) | 20, externalAttributes: (mode << 16) >>> 0 });
    expect(entryType(unix(0o100644))).toBe('file');
    expect(entryType(unix(0o120777))).toBe('symlink');
    expect(entryType(unix(0o060644))).toBe('special');
    expect(entryType(unix(0o040755))).toBe('directory');
    expect(entryType({ name: 'x', versionMadeBy: 20, externalAttributes: 0x400 })).toBe('symlink');
    expect(entryType({ name: 'd/', versionMadeBy: 20, externalAttributes: 0 })).toBe('directory');
  });
});

describe('manifest', () => {
  const m = buildManifest({
    kind: 'custody-case',
    subject: { type: 'withdrawal', id: 'wr-1', chain_id: 'c', height: 1 },
    created_by: { tool: 't', version: '1', key_id: 'a'.repeat(40) },
    members: [
      { path: 'b.json', artifact_type: 'x', sha256: '0'.repeat(64), size: 1 },
      { path: 'a.json', artifact_type: 'x', sha256: '1'.repeat(64), size: 2 },
    ],
  });
  it('sorts members and round-trips through its canonical bytes', () => {
    expect(m.members.map((x) => x.path)).toEqual(['a.json', 'b.json']);
    const p = parseManifest(manifestBytes(m));
    expect(p.ok && p.manifest).toEqual(m);
  });
  it('refuses reserved, unsafe, unsorted or duplicate member paths', () => {
    for (const path of ['manifest.json', 'attestations/x', '../x', 'dir/']) {
      const bad = { ...m, members: [{ path, artifact_type: 'x', sha256: '0'.repeat(64), size: 1 }] };
      expect(parseManifest(manifestBytes(bad)), path).toMatchObject({ ok: false, reason: 'MANIFEST_INVALID' });
    }
    expect(parseManifest(manifestBytes({ ...m, members: [...m.members].reverse() }))).toMatchObject({ ok: false, reason: 'MANIFEST_INVALID' });
    expect(parseManifest(manifestBytes({ ...m, members: [m.members[0]!, m.members[0]!] }))).toMatchObject({ ok: false, reason: 'MANIFEST_INVALID' });
    expect(parseManifest(utf8('{"format":"charter.bundle/v9"}'))).toMatchObject({ ok: false, reason: 'UNSUPPORTED_FORMAT' });
  });
});
