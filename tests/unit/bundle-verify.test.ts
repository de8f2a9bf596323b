// Bundle verification: the round trip, then every refusal rule with a
// hostile example (most hand-written as zip bytes, since yazl will not write
// them), then a fuzz over mutated archives. Verification runs in memory: the
// test runs it from an empty working directory and checks that nothing
// appears there or in a fresh TMPDIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, utf8 } from '../../core/codec/index.js';
import {
  ATTESTATIONS_DIR,
  CASE_PATHS,
  COMMON_CHECKS,
  MANIFEST_PATH,
  fromBase64,
  toBase64,
  type DsseEnvelope,
  type VerifyReport,
} from '../../core/evidence/bundle/index.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { DEFAULT_ZIP_LIMITS } from '../../main/evidence/zip-read.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CONSOLE_KEY, SECOND_KEY, caseBundle, craftZip, entriesOf, trustFor, type CraftEntry } from './bundle-kit.js';

let files: Map<string, Uint8Array>;
let good: Buffer;
const trust = trustFor([CONSOLE_KEY]);
let sandbox = '';
let cwd = '';

beforeAll(async () => {
  const b = await caseBundle();
  files = b.files;
  good = await writeZip(files);
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-verify-'));
  fs.mkdirSync(path.join(sandbox, 'cwd'));
  fs.mkdirSync(path.join(sandbox, 'tmp'));
  cwd = process.cwd();
  process.chdir(path.join(sandbox, 'cwd'));
  process.env['TMPDIR'] = path.join(sandbox, 'tmp');
});
afterAll(() => {
  process.chdir(cwd);
  // Nothing was written while verifying hostile archives.
  expect(fs.readdirSync(path.join(sandbox, 'cwd'))).toEqual([]);
  expect(fs.readdirSync(path.join(sandbox, 'tmp'))).toEqual([]);
  fs.rmSync(sandbox, { recursive: true, force: true });
});

const byId = (r: VerifyReport, id: string) => r.checks.find((c) => c.id === id);
const failing = (r: VerifyReport) => r.checks.filter((c) => c.verdict === 'fail').map((c) => c.reason);
const verify = (b: Uint8Array, o: Parameters<typeof verifyBundleBytes>[1] = { trust }) => verifyBundleBytes(b, o);

function withFiles(edit: (m: Map<string, Uint8Array>) => void): CraftEntry[] {
  const m = new Map(files);
  edit(m);
  return entriesOf(m);
}

describe('a well-formed bundle', () => {
  it('passes every check with the trust file', async () => {
    const r = await verify(good);
    expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}:${c.reason}`)).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.kind).toBe('custody-case');
    expect(r.members.map((m) => m.path)).toContain(CASE_PATHS.receipt);
  });
  it('is unknown, not pass, without a trust file, naming what is missing', async () => {
    const r = await verify(good, {});
    expect(r.verdict).toBe('unknown');
    expect(byId(r, 'attestations.trust')).toMatchObject({ verdict: 'unknown', reason: 'NO_TRUST_FILE' });
    expect(byId(r, 'checkpoint.quorum')).toMatchObject({ verdict: 'unknown', reason: 'NO_TRUST_FILE' });
    expect(byId(r, 'attestations.signatures')?.verdict).toBe('pass');
  });
  it('the same members give the same zip bytes', async () => {
    expect(Buffer.compare(await writeZip((await caseBundle()).files), good)).toBe(0);
  });
  it('a hand-written zip of the same files verifies like the yazl one', async () => {
    expect(failing(await verify(craftZip(entriesOf(files))))).toEqual([]);
  });
});

describe('a file that is not a zip', () => {
  it('gets one failing check, NOT_A_ZIP; every other check is listed as not checked; no manifest, no members', async () => {
    for (const bytes of [utf8('{"this":"is JSON, not a zip"}'), utf8('PK\u0003\u0004 not really'), new Uint8Array(0), new Uint8Array(4096).fill(0x41)]) {
      const r = await verify(bytes);
      expect(r.verdict).toBe('fail');
      expect(r.checks.map((c) => `${c.id}:${c.verdict}:${c.reason}`)).toEqual([
        'zip.container:fail:NOT_A_ZIP',
        ...[...COMMON_CHECKS.slice(1), ['content']].map(([id]) => `${id}:unknown:NOT_CHECKED`),
      ]);
      expect(r.members).toEqual([]);
      expect(r.manifestSha256).toBeNull();
      expect(r.kind).toBeNull();
    }
  });
});

describe('the members a report lists', () => {
  it('include the attestations, which sign the manifest and are not listed in it', async () => {
    const r = await verify(good);
    const atts = r.members.filter((m) => m.path.startsWith(ATTESTATIONS_DIR));
    expect(atts.length).toBeGreaterThan(0);
    expect(atts.every((m) => m.artifact_type === 'attestation' && /^[0-9a-f]{64}$/.test(m.sha256 ?? ''))).toBe(true);
    expect(new Set(r.members.map((m) => m.path)).size).toBe(r.members.length);
  });
});

/** Each refusal rule with a hostile example and the reason it must give. */
const CASES: { name: string; reason: string; zip: () => Promise<Uint8Array> | Uint8Array; opts?: Parameters<typeof verifyBundleBytes>[1] }[] = [
  { name: 'not a zip', reason: 'NOT_A_ZIP', zip: () => utf8('PK\u0003\u0004 not really') },
  { name: 'a ".." path', reason: 'PARENT_PATH', zip: () => craftZip(withFiles((m) => m.set('../evil.json', utf8('{}')))) },
  { name: 'a nested ".." path', reason: 'PARENT_PATH', zip: () => craftZip(withFiles((m) => m.set('transactions/../../x', utf8('{}')))) },
  { name: 'an absolute path', reason: 'ABSOLUTE_PATH', zip: () => craftZip(withFiles((m) => m.set('/etc/passwd', utf8('x')))) },
  { name: 'a backslash', reason: 'BACKSLASH', zip: () => craftZip(withFiles((m) => m.set('..\\..\\evil.json', utf8('x')))) },
  { name: 'a drive letter', reason: 'DRIVE_LETTER', zip: () => craftZip(withFiles((m) => m.set('C:/Windows/evil.json', utf8('x')))) },
  { name: 'a control character', reason: 'CONTROL_CHARACTER', zip: () => craftZip(withFiles((m) => m.set('a\nb.json', utf8('x')))) },
  {
    name: 'a name that is not UTF-8',
    reason: 'BAD_NAME_ENCODING',
    zip: () => craftZip([...entriesOf(files), { name: Buffer.from([0x61, 0xff, 0xfe]), data: utf8('x') }]),
  },
  {
    name: 'a duplicate entry',
    reason: 'DUPLICATE_ENTRY',
    zip: () => craftZip([...entriesOf(files), { name: CASE_PATHS.request, data: utf8('{"forged":true}') }]),
  },
  { name: 'names colliding by case', reason: 'DUPLICATE_ENTRY', zip: () => craftZip([...entriesOf(files), { name: 'REQUEST.JSON', data: utf8('{}') }]) },
  {
    name: 'a symbolic link',
    reason: 'SYMLINK',
    zip: () => craftZip([...entriesOf(files), { name: 'link', data: utf8('/etc/passwd'), method: 0, mode: 0o120777 }]),
  },
  {
    name: 'a Windows reparse point',
    reason: 'SYMLINK',
    zip: () => craftZip([...entriesOf(files), { name: 'link2', data: utf8('x'), versionMadeBy: 20, externalAttributes: 0x400 }]),
  },
  { name: 'a FIFO', reason: 'SPECIAL_FILE', zip: () => craftZip([...entriesOf(files), { name: 'fifo', data: new Uint8Array(), method: 0, mode: 0o010644 }]) },
  {
    name: 'a character device',
    reason: 'SPECIAL_FILE',
    zip: () => craftZip([...entriesOf(files), { name: 'dev', data: new Uint8Array(), method: 0, mode: 0o020644 }]),
  },
  {
    name: 'an encrypted entry',
    reason: 'ENCRYPTED_ENTRY',
    zip: () => craftZip([...entriesOf(files), { name: 'secret.bin', data: utf8('xxxxxxxxxxxx'), method: 0, flags: 0x801 }]),
  },
  {
    name: 'an unsupported compression method',
    reason: 'UNSUPPORTED_COMPRESSION',
    zip: () => withMethod(craftZip([...entriesOf(files), { name: 'lzma.bin', data: utf8('x'), method: 0 }]), 'lzma.bin', 14),
  },
  {
    name: 'a member over the size cap',
    reason: 'MEMBER_TOO_LARGE',
    zip: () => craftZip([...entriesOf(files), { name: 'big.bin', data: new Uint8Array(300_000).fill(7) }]),
    opts: { trust, limits: { ...DEFAULT_ZIP_LIMITS, maxMemberBytes: 200_000 } },
  },
  {
    name: 'a total over the cap',
    reason: 'TOTAL_TOO_LARGE',
    zip: () => craftZip([...entriesOf(files), { name: 'a.bin', data: new Uint8Array(60_000) }, { name: 'b.bin', data: new Uint8Array(60_000) }]),
    opts: { trust, limits: { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 100_000 } },
  },
  {
    name: 'a zip bomb (ratio)',
    reason: 'COMPRESSION_RATIO',
    zip: () => craftZip([...entriesOf(files), { name: 'bomb.bin', data: new Uint8Array(8 * 1024 * 1024) }]),
  },
  {
    name: 'a bomb whose header claims a tiny size',
    reason: 'MEMBER_TOO_LARGE',
    zip: () => craftZip([...entriesOf(files), { name: 'liar.bin', data: new Uint8Array(3_000_000), declaredSize: 10 }]),
    opts: { trust, limits: { ...DEFAULT_ZIP_LIMITS, maxMemberBytes: 1_000_000 } },
  },
  {
    name: 'a header that lies about the size',
    reason: 'HEADER_SIZE_MISMATCH',
    zip: () => craftZip(entriesOf(files).map((e) => (e.name === CASE_PATHS.request ? { ...e, declaredSize: 3 } : e))),
  },
  {
    name: 'a stored member over the size cap',
    reason: 'MEMBER_TOO_LARGE',
    zip: () => craftZip([...entriesOf(files), { name: 'big.bin', data: new Uint8Array(300_000), method: 0 }]),
    opts: { trust, limits: { ...DEFAULT_ZIP_LIMITS, maxMemberBytes: 200_000 } },
  },
  {
    name: 'a stored entry whose header lies about its size',
    reason: 'HEADER_SIZE_MISMATCH',
    zip: () => craftZip(entriesOf(files).map((e) => (e.name === CASE_PATHS.request ? { ...e, method: 0, declaredSize: 3 } : e))),
  },
  {
    name: 'stored entries over the total cap',
    reason: 'TOTAL_TOO_LARGE',
    zip: () =>
      craftZip([...entriesOf(files), { name: 'a.bin', data: new Uint8Array(60_000), method: 0 }, { name: 'b.bin', data: new Uint8Array(60_000), method: 0 }]),
    opts: { trust, limits: { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 100_000 } },
  },
  {
    name: 'too many entries',
    reason: 'TOO_MANY_ENTRIES',
    zip: () => craftZip([...entriesOf(files), ...Array.from({ length: 30 }, (_, i) => ({ name: `x${i}`, data: utf8('x') }))]),
    opts: { trust, limits: { ...DEFAULT_ZIP_LIMITS, maxEntries: 20 } },
  },
  {
    name: 'an Info-ZIP Unicode Path extra field that would show unzip another name',
    reason: 'ALTERNATE_NAME',
    zip: () => {
      const alt = Buffer.from('block.json', 'utf8');
      const field = Buffer.alloc(4 + 5 + alt.length);
      field.writeUInt16LE(0x7075, 0);
      field.writeUInt16LE(5 + alt.length, 2);
      field.writeUInt8(1, 4);
      field.writeUInt32LE(zlib.crc32(Buffer.from(CASE_PATHS.request)), 5);
      alt.copy(field, 9);
      return craftZip(entriesOf(files).map((e) => (e.name === CASE_PATHS.request ? { ...e, extra: field } : e)));
    },
  },
  {
    name: 'a hidden local entry the central directory does not list',
    reason: 'UNLISTED_DATA',
    zip: () => craftZip([{ name: CASE_PATHS.request, data: utf8('{"forged":true}'), hidden: true }, ...entriesOf(files)]),
  },
  {
    name: 'a local header naming another file',
    reason: 'LOCAL_HEADER_MISMATCH',
    zip: () => craftZip(entriesOf(files).map((e) => (e.name === CASE_PATHS.block ? { ...e, localName: '../../evil.sh' } : e))),
  },
  { name: 'no manifest', reason: 'MANIFEST_MISSING', zip: () => craftZip(withFiles((m) => m.delete(MANIFEST_PATH))) },
  {
    name: 'a manifest not in canonical form',
    reason: 'MANIFEST_NOT_CANONICAL',
    zip: () => craftZip(withFiles((m) => m.set(MANIFEST_PATH, utf8(JSON.stringify(JSON.parse(Buffer.from(m.get(MANIFEST_PATH)!).toString()), null, 1))))),
  },
  {
    name: 'a manifest with a duplicate key',
    reason: 'MANIFEST_INVALID',
    zip: () =>
      craftZip(
        withFiles((m) => m.set(MANIFEST_PATH, utf8(Buffer.from(m.get(MANIFEST_PATH)!).toString().replace('{"created_by"', '{"kind":"x","created_by"')))),
      ),
  },
  {
    name: 'a member whose digest differs',
    reason: 'DIGEST_MISMATCH',
    zip: () => craftZip(withFiles((m) => m.set(CASE_PATHS.request, utf8(Buffer.from(m.get(CASE_PATHS.request)!).toString().replace('"1500"', '"9500"'))))),
  },
  {
    name: 'a member whose size differs',
    reason: 'SIZE_MISMATCH',
    zip: () => craftZip(withFiles((m) => m.set(CASE_PATHS.policy, utf8(Buffer.from(m.get(CASE_PATHS.policy)!).toString() + ' ')))),
  },
  { name: 'a missing member', reason: 'MEMBER_MISSING', zip: () => craftZip(withFiles((m) => m.delete(CASE_PATHS.block))) },
  { name: 'an unlisted file', reason: 'MEMBER_NOT_LISTED', zip: () => craftZip(withFiles((m) => m.set('extra.json', utf8('{}')))) },
  {
    name: 'a signature that does not verify',
    reason: 'BAD_SIGNATURE',
    zip: () =>
      craftZip(
        withFiles((m) =>
          editEnvelope(m, (e) => {
            const s = fromBase64(e.signatures[0]!.sig)!;
            s[5]! ^= 1;
            e.signatures[0]!.sig = toBase64(s);
          }),
        ),
      ),
  },
  {
    name: 'a statement about another manifest',
    reason: 'SUBJECT_MISMATCH',
    zip: () =>
      craftZip(
        withFiles((m) =>
          editEnvelope(m, (e) => {
            const st = JSON.parse(Buffer.from(fromBase64(e.payload)!).toString());
            st.subject[0].digest.sha256 = '0'.repeat(64);
            e.payload = toBase64(utf8(canonicalJson(st)));
          }),
        ),
      ),
  },
  {
    name: 'a DSSE envelope of another payload type',
    reason: 'WRONG_PAYLOAD_TYPE',
    zip: () =>
      craftZip(
        withFiles((m) =>
          editEnvelope(m, (e) => {
            e.payloadType = 'text/plain';
          }),
        ),
      ),
  },
  { name: 'a key unknown to the trust file', reason: 'UNKNOWN_KEY', zip: () => good, opts: { trust: trustFor([SECOND_KEY]) } },
  { name: 'a revoked key', reason: 'KEY_REVOKED', zip: () => good, opts: { trust: trustFor([CONSOLE_KEY], {}, { revoked_at_height: 3 }) } },
  {
    name: 'a key outside its validity window',
    reason: 'KEY_OUTSIDE_VALIDITY',
    zip: () => good,
    opts: { trust: trustFor([CONSOLE_KEY], {}, { valid_from_height: 100 }) },
  },
  { name: 'a checkpoint below its quorum', reason: 'BELOW_QUORUM', zip: () => good, opts: { trust: trustFor([CONSOLE_KEY, SECOND_KEY], { quorum: 2 }) } },
  {
    name: 'a proof that does not reach the checkpoint',
    reason: 'PROOF_NOT_REACHING_CHECKPOINT',
    zip: async () =>
      writeZip(
        (
          await caseBundle((ms) =>
            ms.map((x) =>
              x.path === CASE_PATHS.inclusion
                ? {
                    ...x,
                    bytes: utf8(
                      Buffer.from(x.bytes)
                        .toString()
                        .replace(/"path":\["(.)/, (_s, c: string) => `"path":["${c === '0' ? '1' : '0'}`),
                    ),
                  }
                : x,
            ),
          )
        ).files,
      ),
  },
  {
    name: "a proof for another leaf than the receipt's",
    reason: 'PROOF_NOT_REACHING_CHECKPOINT',
    zip: async () =>
      writeZip(
        (
          await caseBundle((ms) =>
            ms.map((x) =>
              x.path === CASE_PATHS.inclusion ? { ...x, bytes: utf8(Buffer.from(x.bytes).toString().replace('"mmr_index":7', '"mmr_index":8')) } : x,
            ),
          )
        ).files,
      ),
  },
  {
    name: 'a forged transaction signature',
    reason: 'BAD_SIGNATURE',
    zip: async () =>
      writeZip(
        (
          await caseBundle((ms) =>
            ms.map((x) =>
              x.path.startsWith('transactions/')
                ? {
                    ...x,
                    bytes: utf8(
                      Buffer.from(x.bytes)
                        .toString()
                        .replace(/"signature":"(.)/, (_s, c: string) => `"signature":"${c === '0' ? '1' : '0'}`),
                    ),
                  }
                : x,
            ),
          )
        ).files,
      ),
  },
];

/** Set the compression method of the entry `name` in both its headers. */
function withMethod(z: Buffer, name: string, method: number): Buffer {
  const lh = z.indexOf(Buffer.from(name));
  z.writeUInt16LE(method, lh - 30 + 8);
  const cd = z.lastIndexOf(Buffer.from(name));
  z.writeUInt16LE(method, cd - 46 + 10);
  return z;
}

function editEnvelope(m: Map<string, Uint8Array>, edit: (e: DsseEnvelope) => void): void {
  const name = [...m.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR))!;
  const e = JSON.parse(Buffer.from(m.get(name)!).toString()) as DsseEnvelope;
  edit(e);
  m.set(name, utf8(JSON.stringify(e)));
}

describe('every refusal rule has a failing example with a stable reason', () => {
  for (const c of CASES) {
    it(`${c.name} → ${c.reason}`, async () => {
      const r = await verify(await c.zip(), c.opts ?? { trust });
      expect(r.verdict).toBe('fail');
      expect(failing(r)).toContain(c.reason);
      // Stable: the same archive gives the same checklist.
      expect(await verify(await c.zip(), c.opts ?? { trust })).toEqual(r);
    });
  }
});

describe('fuzz', () => {
  // Every reason the format defines (docs/formats/evidence-bundle.md §9, which tests/unit/bundle-reasons.test.ts keeps complete).
  const KNOWN = (() => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/formats/evidence-bundle.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## 9. Reason codes'), doc.indexOf('## 10.'));
    return new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string));
  })();
  it('byte mutations of a good bundle never crash and always give known reasons; any change is caught', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (flips, truncate) => {
          const z = Buffer.from(good);
          for (const [at, x] of flips) z[at % z.length] = (z[at % z.length] as number) ^ x;
          const bytes = truncate ? z.subarray(0, z.length - (flips[0]![0] % 64) - 1) : z;
          const r = await verify(bytes);
          for (const c of r.checks) {
            expect(KNOWN.has(c.reason), `${c.id}: ${c.reason}`).toBe(true);
            for (const it of c.items ?? []) expect(KNOWN.has(it.reason), `${c.id} item: ${it.reason}`).toBe(true);
          }
          // Flipping bytes of a signed bundle can never make it verify as something else:
          // either it still passes with the same manifest (the flip hit zip metadata we do not rely on) or it does not pass.
          if (r.verdict !== 'fail') expect(r.manifestSha256).toBe((await verify(good)).manifestSha256);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
  it('hand-crafted archives of random names and attributes never crash', async () => {
    const name = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('..', '/x', 'a/../b', 'C:x', 'a\\b', 'manifest.json', 'attestations/x', 'request.json', 'a//b', './a'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            name,
            data: fc.uint8Array({ maxLength: 64 }),
            mode: fc.constantFrom(0o100644, 0o120777, 0o040755, 0o060644, 0),
            method: fc.constantFrom(0, 8),
          }),
          { maxLength: 8 },
        ),
        async (es) => {
          const r = await verify(craftZip(es));
          expect(['pass', 'fail', 'unknown']).toContain(r.verdict);
          for (const c of r.checks) expect(KNOWN.has(c.reason), `${c.id}: ${c.reason}`).toBe(true);
          expect(r.verdict).not.toBe('pass');
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});

it('the deflate of the zip-bomb example really is small (the cap is about ratio, not file size)', () => {
  expect(zlib.deflateRawSync(new Uint8Array(8 * 1024 * 1024)).length).toBeLessThan(16 * 1024);
});
