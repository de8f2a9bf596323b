// The zip reader against hand-built hostile archives: every size and ratio is
// judged on the bytes actually inflated and consumed, never on header claims,
// and every entry's CRC-32 is checked (docs/formats/evidence-bundle.md §5 step 1).
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTAINER_REASONS } from '../../core/evidence/bundle/types.js';
import { verifyBundleBytes } from './bundles.js';
import { DEFAULT_ZIP_LIMITS, readZipEntries, type ZipLimits } from './zip-read.js';
import { writeZip } from './zip-write.js';

const MiB = 1024 * 1024;

interface Raw {
  name: string;
  /** The inflated content; `body` defaults to its deflate (method 8) or itself (method 0). */
  data: Uint8Array;
  method?: 0 | 8;
  /** The bytes placed after the local header, instead of the real compressed data. */
  body?: Uint8Array;
  /** Header claims (both headers), instead of the true values. */
  crc?: number;
  compressedSize?: number;
  uncompressedSize?: number;
}

/** A zip by hand: local header + body for each entry, then the central directory and the end record. */
function zip(entries: Raw[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.method ?? 8;
    const body = Buffer.from(e.body ?? (method === 8 ? zlib.deflateRawSync(e.data) : e.data));
    const crc = e.crc ?? zlib.crc32(e.data);
    const csize = e.compressedSize ?? body.length;
    const usize = e.uncompressedSize ?? e.data.length;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x800, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt16LE(0x21, 12);
    lh.writeUInt32LE(crc >>> 0, 14);
    lh.writeUInt32LE(csize, 18);
    lh.writeUInt32LE(usize, 22);
    lh.writeUInt16LE(name.length, 26);
    locals.push(lh, name, body);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE((3 << 8) | 20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x800, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt16LE(0x21, 14);
    ch.writeUInt32LE(crc >>> 0, 16);
    ch.writeUInt32LE(csize, 20);
    ch.writeUInt32LE(usize, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** n deterministic incompressible bytes. */
function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let block = crypto.createHash('sha256').update(`seed-${n}`).digest();
  for (let o = 0; o < n; o += 32) {
    out.set(block.subarray(0, Math.min(32, n - o)), o);
    block = crypto.createHash('sha256').update(block).digest();
  }
  return out;
}

async function read(z: Uint8Array, limits?: Partial<ZipLimits>) {
  return readZipEntries(z, { ...DEFAULT_ZIP_LIMITS, ...limits });
}
async function reasonOf(z: Uint8Array, name: string, limits?: Partial<ZipLimits>): Promise<string> {
  const r = await read(z, limits);
  const e = r.entries.find((x) => x.name === name);
  if (!e) return `no entry ${name}`;
  if (e.error) expect(e.data).toBeNull();
  return e.error?.reason ?? 'OK';
}

describe('readZipEntries: good archives', () => {
  it('reads stored and deflated entries back byte for byte', async () => {
    const a = new TextEncoder().encode('{"a":1}');
    const b = random(300_000);
    const r = await read(
      zip([
        { name: 'a.json', data: a },
        { name: 'b.bin', data: b, method: 0 },
        { name: 'c.bin', data: new Uint8Array(5000) },
      ]),
    );
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.name, e.error?.reason ?? 'OK'])).toEqual([
      ['a.json', 'OK'],
      ['b.bin', 'OK'],
      ['c.bin', 'OK'],
    ]);
    expect(Buffer.from(r.entries[0]!.data!).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(r.entries[1]!.data!).equals(Buffer.from(b))).toBe(true);
    expect(r.entries[2]!.data).toEqual(new Uint8Array(5000));
  });

  it('reads what our writer writes', async () => {
    const z = await writeZip(
      new Map([
        ['x/y.json', new TextEncoder().encode('{}')],
        ['a', new Uint8Array([1, 2, 3])],
      ]),
    );
    const r = await read(z);
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.name, e.error, Array.from(e.data!)])).toEqual([
      ['a', undefined, [1, 2, 3]],
      ['x/y.json', undefined, [123, 125]],
    ]);
  });

  it('has the documented limits', () => {
    expect(DEFAULT_ZIP_LIMITS).toEqual({ maxEntries: 100_000, maxMemberBytes: 64 * MiB, maxTotalBytes: 512 * MiB, maxRatio: 200, ratioFloorBytes: MiB });
    expect(CONTAINER_REASONS).toContain('CRC_MISMATCH');
  });
});

describe('readZipEntries: the compression ratio is measured on the bytes consumed', () => {
  it('refuses a bomb whose header compressed size lies to fake a low ratio', async () => {
    const data = new Uint8Array(8 * MiB);
    const deflated = zlib.deflateRawSync(data);
    const pad = random(64 * 1024);
    // The header claims the deflate data and the 64 KiB after it: by the header the ratio is under 200.
    const claimed = deflated.length + pad.length;
    expect(data.length / claimed).toBeLessThan(200);
    const z = zip([{ name: 'bomb.bin', data, compressedSize: claimed, body: Buffer.concat([deflated, pad]) }]);
    const r = await read(z);
    const e = r.entries[0]!;
    expect(e.error?.reason).toBe('COMPRESSION_RATIO');
    expect(e.data).toBeNull();
    // …and the same padding placed in a following entry instead (the header's size reaching into it)
    const z2 = zip([
      { name: 'bomb.bin', data, compressedSize: claimed, body: deflated },
      { name: 'pad.bin', data: pad, method: 0 },
    ]);
    expect(await reasonOf(z2, 'bomb.bin')).toBe('COMPRESSION_RATIO');
    expect(await reasonOf(z2, 'pad.bin')).toBe('OK');
  });

  it('refuses an honest bomb, and applies the ratio only past 1 MiB of output', async () => {
    expect(await reasonOf(zip([{ name: 'b', data: new Uint8Array(8 * MiB) }]), 'b')).toBe('COMPRESSION_RATIO');
    // 1 MiB of zeros inflates ~1000:1 but never goes past the floor; one byte more does
    expect(await reasonOf(zip([{ name: 'b', data: new Uint8Array(MiB) }]), 'b')).toBe('OK');
    expect(await reasonOf(zip([{ name: 'b', data: new Uint8Array(MiB + 1) }]), 'b')).toBe('COMPRESSION_RATIO');
    // a large entry that compresses moderately passes
    const mixed = new Uint8Array(3 * MiB);
    const noise = random(MiB);
    mixed.set(noise, 0);
    mixed.set(noise, 2 * MiB);
    expect(await reasonOf(zip([{ name: 'm', data: mixed }]), 'm')).toBe('OK');
  });

  it('refuses past maxRatio, accepts at it (limits lowered to make the boundary visible)', async () => {
    // Stored entries never exceed 1:1; deflated incompressible data is about 1:1 too.
    const data = random(200_000);
    expect(await reasonOf(zip([{ name: 'r', data }]), 'r', { ratioFloorBytes: 1000, maxRatio: 1.01 })).toBe('OK');
    expect(await reasonOf(zip([{ name: 'z', data: new Uint8Array(200_000) }]), 'z', { ratioFloorBytes: 1000, maxRatio: 100 })).toBe('COMPRESSION_RATIO');
  });
});

describe('readZipEntries: sizes', () => {
  const limits = { maxMemberBytes: 100_000 };
  it('refuses an entry past the member cap (deflated or stored), accepts one at it', async () => {
    for (const method of [0, 8] as const) {
      expect(await reasonOf(zip([{ name: 'x', data: random(100_000), method }]), 'x', limits), `method ${method}`).toBe('OK');
      expect(await reasonOf(zip([{ name: 'x', data: random(100_001), method }]), 'x', limits), `method ${method}`).toBe('MEMBER_TOO_LARGE');
    }
    // whatever the header says the size is
    expect(await reasonOf(zip([{ name: 'x', data: random(300_000), uncompressedSize: 10 }]), 'x', limits)).toBe('MEMBER_TOO_LARGE');
  });

  it('refuses past the total cap and stops reading the archive', async () => {
    const z = zip([
      { name: 'a', data: random(60_000) },
      { name: 'b', data: random(60_000), method: 0 },
      { name: 'c', data: random(10) },
    ]);
    const r = await read(z, { maxTotalBytes: 100_000 });
    expect(r.error?.reason).toBe('TOTAL_TOO_LARGE');
    expect(r.entries.map((e) => [e.name, e.error?.reason ?? 'OK'])).toEqual([
      ['a', 'OK'],
      ['b', 'TOTAL_TOO_LARGE'],
    ]);
    expect((await read(z, { maxTotalBytes: 120_010 })).error).toBeUndefined();
    expect((await read(z, { maxTotalBytes: 120_009 })).error?.reason).toBe('TOTAL_TOO_LARGE');
  });

  it('refuses HEADER_SIZE_MISMATCH when the inflated count differs from the central directory', async () => {
    const data = random(5000);
    for (const method of [0, 8] as const) {
      expect(await reasonOf(zip([{ name: 'x', data, method, uncompressedSize: 4999 }]), 'x'), `method ${method}`).toBe('HEADER_SIZE_MISMATCH');
      expect(await reasonOf(zip([{ name: 'x', data, method, uncompressedSize: 5001 }]), 'x'), `method ${method}`).toBe('HEADER_SIZE_MISMATCH');
    }
    // a deflate stream that ends before the compressed size the header claims (bytes hidden after it)
    const body = Buffer.concat([zlib.deflateRawSync(data), Buffer.from('hidden')]);
    expect(await reasonOf(zip([{ name: 'x', data, body }]), 'x')).toBe('HEADER_SIZE_MISMATCH');
  });

  it('refuses CORRUPT_ENTRY for damaged deflate data or data running past the archive', async () => {
    const data = random(5000);
    const deflated = zlib.deflateRawSync(data);
    // the header's compressed size cuts the stream short
    expect(await reasonOf(zip([{ name: 'x', data, body: deflated.subarray(0, 100) }]), 'x')).toBe('CORRUPT_ENTRY');
    // not deflate at all
    expect(await reasonOf(zip([{ name: 'x', data, body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]) }]), 'x')).toBe('CORRUPT_ENTRY');
    // an empty body is not even an empty deflate stream
    expect(await reasonOf(zip([{ name: 'x', data: new Uint8Array(), body: new Uint8Array() }]), 'x')).toBe('CORRUPT_ENTRY');
    // the compressed size reaches past the end of the archive
    for (const method of [0, 8] as const) {
      expect(await reasonOf(zip([{ name: 'x', data, method, compressedSize: 10_000_000 }]), 'x'), `method ${method}`).toBe('CORRUPT_ENTRY');
    }
  });
});

describe('readZipEntries: CRC-32', () => {
  it('refuses an entry whose CRC the central directory states wrongly (stored and deflated)', async () => {
    const data = new TextEncoder().encode('{"amount":"1500"}');
    for (const method of [0, 8] as const) {
      const lie = (zlib.crc32(data) ^ 1) >>> 0;
      const r = await read(
        zip([
          { name: 'x.json', data, method, crc: lie },
          { name: 'y', data, method },
        ]),
      );
      expect(
        r.entries.map((e) => e.error?.reason ?? 'OK'),
        `method ${method}`,
      ).toEqual(['CRC_MISMATCH', 'OK']);
      expect(r.entries[0]!.data).toBeNull();
      expect(r.entries[0]!.error!.detail).toMatch(/CRC-32/);
    }
  });

  it('refuses data changed under a correct header (the CRC catches it)', async () => {
    const data = new TextEncoder().encode('{"amount":"1500"}');
    const forged = new TextEncoder().encode('{"amount":"9500"}');
    expect(await reasonOf(zip([{ name: 'x', data, method: 0, body: forged }]), 'x')).toBe('CRC_MISMATCH');
    expect(await reasonOf(zip([{ name: 'x', data, body: zlib.deflateRawSync(forged) }]), 'x')).toBe('CRC_MISMATCH');
  });

  it('fails the container check of a bundle with a CRC lie', async () => {
    const data = new TextEncoder().encode('{}');
    const r = await verifyBundleBytes(zip([{ name: 'manifest.json', data, crc: 0 }]));
    const c = r.checks.find((x) => x.id === 'zip.container')!;
    expect(c.verdict).toBe('fail');
    expect(c.items?.map((i) => i.reason)).toContain('CRC_MISMATCH');
  });
});

describe('readZipEntries: never throws', () => {
  it('on byte mutations and truncations of an archive', async () => {
    const base = zip([
      { name: 'a.json', data: new TextEncoder().encode('{"a":[1,2,3]}') },
      { name: 'b', data: random(2000), method: 0 },
      { name: 'c', data: new Uint8Array(3000) },
    ]);
    const known = new Set<string>(CONTAINER_REASONS);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(), async (flips, cut) => {
        const z = Buffer.from(base);
        for (const [at, x] of flips) z[at % z.length] = (z[at % z.length] as number) ^ x;
        const r = await readZipEntries(cut % 3 === 0 ? z.subarray(0, z.length - (cut % 200)) : z);
        if (r.error) expect(known.has(r.error.reason)).toBe(true);
        for (const e of r.entries) if (e.error) expect(known.has(e.error.reason), e.error.reason).toBe(true);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
