// The bytes our writer emits, field by field: the constants of
// docs/formats/evidence-bundle.md §1. An independent writer built from that
// table must reproduce writeZip's output exactly, so the doc cannot drift.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeZip } from './zip-write.js';

/** The table of evidence-bundle.md §1. */
const C = {
  versionMadeBy: 0x033f, // host 3 (Unix), APPNOTE 6.3
  versionNeeded: 20, // 2.0
  flags: 0x0800, // bit 11 (UTF-8 names) only: no data descriptor (bit 3), no encryption
  method: 0, // stored
  dosTime: 0x0000, // 00:00:00
  dosDate: 0x0021, // 1980-01-01
  extraLength: 0,
  commentLength: 0,
  diskNumber: 0,
  internalAttributes: 0,
  externalAttributes: 0x81a40000, // Unix mode 0100644 << 16, no DOS bits
};

/** Write a zip from the table alone: what another implementation would do. */
function fromTheTable(files: [string, Uint8Array][]): Buffer {
  const sorted = [...files].sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [n, data] of sorted) {
    const name = Buffer.from(n, 'utf8');
    const crc = zlib.crc32(data) >>> 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(C.versionNeeded, 4);
    lh.writeUInt16LE(C.flags, 6);
    lh.writeUInt16LE(C.method, 8);
    lh.writeUInt16LE(C.dosTime, 10);
    lh.writeUInt16LE(C.dosDate, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(C.extraLength, 28);
    parts.push(lh, name, Buffer.from(data));
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(C.versionMadeBy, 4);
    ch.writeUInt16LE(C.versionNeeded, 6);
    ch.writeUInt16LE(C.flags, 8);
    ch.writeUInt16LE(C.method, 10);
    ch.writeUInt16LE(C.dosTime, 12);
    ch.writeUInt16LE(C.dosDate, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt16LE(C.extraLength, 30);
    ch.writeUInt16LE(C.commentLength, 32);
    ch.writeUInt16LE(C.diskNumber, 34);
    ch.writeUInt16LE(C.internalAttributes, 36);
    ch.writeUInt32LE(C.externalAttributes, 38);
    ch.writeUInt32LE(offset, 42);
    central.push(ch, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(C.commentLength, 20);
  return Buffer.concat([...parts, cd, end]);
}

const enc = (s: string) => new TextEncoder().encode(s);
const FILES: [string, Uint8Array][] = [
  ['request.json', enc('{"id":"r1"}')],
  ['transactions/AB.json', enc('{}')],
  ['attestations/0123.dsse.json', enc('{"payloadType":"x"}')],
  ['manifest.json', enc('{"format":"charter.bundle/v2"}')],
  ['é-non-ascii.json', enc('[]')],
  ['Z-upper.json', new Uint8Array()],
  ['big.bin', new Uint8Array(100_000).fill(0x5a)],
];

describe('writeZip emits exactly the constants of evidence-bundle.md §1', () => {
  it('field by field', async () => {
    const z = await writeZip(FILES);
    const names: string[] = [];
    let o = 0;
    for (let k = 0; k < FILES.length; k++) {
      expect(z.readUInt32LE(o), `local header ${k}`).toBe(0x04034b50);
      expect(z.readUInt16LE(o + 4)).toBe(C.versionNeeded);
      expect(z.readUInt16LE(o + 6)).toBe(C.flags);
      expect(z.readUInt16LE(o + 8)).toBe(C.method);
      expect(z.readUInt16LE(o + 10)).toBe(C.dosTime);
      expect(z.readUInt16LE(o + 12)).toBe(C.dosDate);
      const n = z.readUInt16LE(o + 26);
      expect(z.readUInt16LE(o + 28)).toBe(C.extraLength);
      const name = z.subarray(o + 30, o + 30 + n).toString('utf8');
      const data = FILES.find(([p]) => p === name)![1];
      expect(z.readUInt32LE(o + 14)).toBe(zlib.crc32(data) >>> 0); // sizes and CRC in the local header: no data descriptor
      expect(z.readUInt32LE(o + 18)).toBe(data.length);
      expect(z.readUInt32LE(o + 22)).toBe(data.length);
      expect(Buffer.from(z.subarray(o + 30 + n, o + 30 + n + data.length)).equals(Buffer.from(data))).toBe(true);
      names.push(name);
      o += 30 + n + data.length;
    }
    const cdStart = o;
    for (let k = 0; k < FILES.length; k++) {
      expect(z.readUInt32LE(o), `central header ${k}`).toBe(0x02014b50);
      expect(z.readUInt16LE(o + 4)).toBe(C.versionMadeBy);
      expect(z.readUInt16LE(o + 6)).toBe(C.versionNeeded);
      expect(z.readUInt16LE(o + 8)).toBe(C.flags);
      expect(z.readUInt16LE(o + 10)).toBe(C.method);
      expect(z.readUInt16LE(o + 12)).toBe(C.dosTime);
      expect(z.readUInt16LE(o + 14)).toBe(C.dosDate);
      expect(z.readUInt16LE(o + 30)).toBe(C.extraLength);
      expect(z.readUInt16LE(o + 32)).toBe(C.commentLength);
      expect(z.readUInt16LE(o + 34)).toBe(C.diskNumber);
      expect(z.readUInt16LE(o + 36)).toBe(C.internalAttributes);
      expect(z.readUInt32LE(o + 38)).toBe(C.externalAttributes);
      o += 46 + z.readUInt16LE(o + 28);
    }
    expect(z.readUInt32LE(o)).toBe(0x06054b50);
    expect(z.readUInt16LE(o + 8)).toBe(FILES.length);
    expect(z.readUInt32LE(o + 12)).toBe(o - cdStart);
    expect(z.readUInt32LE(o + 16)).toBe(cdStart);
    expect(z.readUInt16LE(o + 20)).toBe(C.commentLength);
    expect(o + 22).toBe(z.length); // no archive comment, nothing after the end record, no ZIP64 records
    // sorted by the UTF-8 bytes of the names
    expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(names[0]).toBe('Z-upper.json');
    expect(names.at(-1)).toBe('é-non-ascii.json');
  });

  it('byte for byte what the table describes, whatever the order of the input', async () => {
    // The process's own time zone (run this file with TZ=… to try others): yazl turns the fixed
    // mtime into DOS fields from local time, and clamps to a 1980-01-01 00:00 it computes when loaded.
    const expected = fromTheTable(FILES);
    expect((await writeZip(FILES)).equals(expected)).toBe(true);
    expect((await writeZip(new Map(FILES.slice().reverse()))).equals(expected)).toBe(true);
    expect((await writeZip([])).equals(fromTheTable([]))).toBe(true);
  });
});
