// RED-TEAM PROBE (temporary; delete before finishing)
import zlib from 'node:zlib';
import fs from 'node:fs';
import { describe, it } from 'vitest';
import type { VerifyReport } from '../../core/evidence/bundle/index.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { caseBundle, fixtureTrust } from './bundle-kit.js';

const sum = (r: VerifyReport) => `${r.verdict} :: ` + r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}=${c.verdict}:${c.reason}`).join(', ');

interface E { name: string; data: Uint8Array; extra?: Buffer; orphan?: boolean; flags?: number }
/** Stored entries; optional extra field (same in local and central); orphan = local entry only, not in the central directory. */
function zip(entries: E[], comment = Buffer.alloc(0), prefix = Buffer.alloc(0)): Buffer {
  const locals: Buffer[] = [prefix]; const centrals: Buffer[] = []; let offset = prefix.length; let n = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8'); const raw = Buffer.from(e.data); const crc = zlib.crc32(raw); const extra = e.extra ?? Buffer.alloc(0);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(e.flags ?? 0x800, 6); lh.writeUInt16LE(0, 8); lh.writeUInt16LE(0, 10); lh.writeUInt16LE(0x21, 12);
    lh.writeUInt32LE(crc, 14); lh.writeUInt32LE(raw.length, 18); lh.writeUInt32LE(raw.length, 22); lh.writeUInt16LE(name.length, 26); lh.writeUInt16LE(extra.length, 28);
    locals.push(lh, name, extra, raw);
    if (!e.orphan) {
      const ch = Buffer.alloc(46);
      ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(0x033f, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(e.flags ?? 0x800, 8); ch.writeUInt16LE(0, 10); ch.writeUInt16LE(0, 12); ch.writeUInt16LE(0x21, 14);
      ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(raw.length, 20); ch.writeUInt32LE(raw.length, 24); ch.writeUInt16LE(name.length, 28); ch.writeUInt16LE(extra.length, 30);
      ch.writeUInt32LE(0x81a40000, 38); ch.writeUInt32LE(offset, 42);
      centrals.push(ch, name, extra); n++;
    }
    offset += 30 + name.length + extra.length + raw.length;
  }
  const cd = Buffer.concat(centrals); const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(n, 8); end.writeUInt16LE(n, 10); end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16); end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...locals, cd, end, comment]);
}
/** Info-ZIP Unicode Path extra field (0x7075): version 1, CRC-32 of the header name, the UTF-8 name unzip tools show instead. */
function upath(headerName: string, shown: string): Buffer {
  const s = Buffer.from(shown, 'utf8'); const b = Buffer.alloc(4 + 5 + s.length);
  b.writeUInt16LE(0x7075, 0); b.writeUInt16LE(5 + s.length, 2); b.writeUInt8(1, 4); b.writeUInt32LE(zlib.crc32(Buffer.from(headerName, 'utf8')), 5); s.copy(b, 9);
  return b;
}

describe('zip layer', () => {
  it('runs', async () => {
    const b = await caseBundle();
    const files = [...b.files.entries()].sort(([a], [c]) => (a < c ? -1 : 1));
    const trust = fixtureTrust();
    const v = async (name: string, z: Buffer) => { fs.writeFileSync(`/tmp/redteam/${name}.zip`, z); console.log(`PROBE ${name}: ${sum(await verifyBundleBytes(z, { trust }))}`); };
    // Z1: swap what unzip tools call request.json and block.json via the Unicode Path extra field
    await v('Z1-upath-swap', zip(files.map(([name, data]) => ({ name, data, ...(name === 'request.json' ? { extra: upath(name, 'block.json') } : name === 'block.json' ? { extra: upath(name, 'request.json') } : {}) }))));
    await v('Z1c-upath-swap-nobit11', zip(files.map(([name, data]) => ({ name, data, flags: 0, ...(name === 'request.json' ? { extra: upath(name, 'block.json') } : name === 'block.json' ? { extra: upath(name, 'request.json') } : {}) }))));
    await v('Z1d-upath-traversal-nobit11', zip(files.map(([name, data]) => ({ name, data, flags: 0, ...(name === 'policy.json' ? { extra: upath(name, 'evil/../../outside.json') } : name === 'request.json' ? { extra: upath(name, 'attestations/extra.json') } : {}) }))));
    // Z1b: Unicode path pointing outside the directory
    await v('Z1b-upath-traversal', zip(files.map(([name, data]) => ({ name, data, ...(name === 'policy.json' ? { extra: upath(name, '../../outside-policy.json') } : {}) }))));
    // Z2: an orphan local entry (not in the central directory) named request.json with forged content, placed first
    const forged = Buffer.from(Buffer.from(b.files.get('request.json')!).toString('utf8').replace('"1500"', '"999999"'));
    await v('Z2-orphan-local', zip([{ name: 'request.json', data: forged, orphan: true }, ...files.map(([name, data]) => ({ name, data }))]));
    // Z3: archive comment + prefix bytes
    await v('Z3-comment', zip(files.map(([name, data]) => ({ name, data })), Buffer.from('operator says: all good')));
    // Z4: arbitrary extra field (unknown id) on members
    const junk = Buffer.from([0x99, 0x99, 4, 0, 1, 2, 3, 4]);
    await v('Z4-unknown-extra', zip(files.map(([name, data]) => ({ name, data, extra: junk }))));
  });
});
