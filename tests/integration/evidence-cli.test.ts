// `charter jcs` and `charter mmr …` through the real binary (bin/charter.js → dist/), as a user runs them.
// `npm test` builds dist/ first; run `npm run build` before running this file alone.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import { parseTrustFile, verifyCheckpoint } from '../../core/evidence/checkpoint.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
let tmp: string;

const kat = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/mmr39-kat.json'), 'utf8')) as { nodes: string[] };

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-evcli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], input?: string | Buffer): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}
function write(name: string, content: string | Buffer): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

/** The draft's MMR(39) leaves: leaf e holds SHA-256(be_u64(mmr index of e)). */
function katLeaves(): string[] {
  const out: string[] = [];
  for (let e = 0; e < 21; e++) {
    const i =
      2 * e -
      e
        .toString(2)
        .split('')
        .filter((c) => c === '1').length;
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(i));
    out.push(createHash('sha256').update(b).digest('hex'));
  }
  return out;
}

describe('charter jcs', () => {
  it('writes the RFC 8785 bytes of a file or stdin, with no newline added', () => {
    const f = write('doc.json', '{\n  "b": [1E30, 4.50, 0.002],\n  "a": "\\u20ac",\n  "c": {"z": null, "y": true}\n}\n');
    const r = run(['jcs', f]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString('utf8')).toBe('{"a":"€","b":[1e+30,4.5,0.002],"c":{"y":true,"z":null}}');
    const s = run(['jcs', '-'], '[3, {"b":2,"a":1}]');
    expect(s.status).toBe(0);
    expect(s.stdout.toString('utf8')).toBe('[3,{"a":1,"b":2}]');
  });

  it('refuses invalid JSON, duplicate keys and unrepresentable numbers with exit 1 and a code', () => {
    for (const [doc, code] of [
      ['{"a":1,', 'INVALID_JSON'],
      ['{"a":1,"a":2}', 'DUPLICATE_KEY'],
      ['[123456789012345678901]', 'NUMBER_NOT_REPRESENTABLE'],
      ['[1e999]', 'NUMBER_NOT_REPRESENTABLE'],
    ] as const) {
      const r = run(['jcs', '-'], doc);
      expect(r.status, doc).toBe(1);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toContain(`error ${code}:`);
    }
    const bad = run(['jcs', '-'], Buffer.from([0x22, 0xff, 0x22]));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('INVALID_JSON');
    expect(run(['jcs', path.join(tmp, 'missing.json')]).status).toBe(1);
    // a UTF-8 byte-order mark is refused, from a file or stdin, not stripped (the same document would get a second digest)
    const bom = write('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]));
    for (const r of [run(['jcs', bom]), run(['jcs', '-'], fs.readFileSync(bom))]) {
      expect(r.status).toBe(1);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toContain('error INVALID_JSON:');
      expect(r.stderr).toContain('byte-order mark');
    }
    expect(run(['jcs']).status).toBe(64);
  });
});

describe('charter mmr', () => {
  it('peaks of the draft MMR(39)', () => {
    const leaves = write('kat.txt', katLeaves().join('\n') + '\n');
    const r = run(['mmr', 'peaks', '--leaves', leaves]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString('utf8'))).toEqual({ size: 39, peaks: [kat.nodes[30], kat.nodes[37], kat.nodes[38]] });
  });

  it('prove then verify every leaf against the leaves, the accumulator and the peak; tampered proofs fail with exit 1', () => {
    const leaves = katLeaves();
    const file = write('kat2.txt', leaves.join('\n'));
    const acc = [kat.nodes[30], kat.nodes[37], kat.nodes[38]] as string[];
    for (const n of [0, 2, 7, 15, 16, 20]) {
      const p = run(['mmr', 'prove', '--leaves', file, '--leaf', String(n)]);
      expect(p.status).toBe(0);
      const proof = JSON.parse(p.stdout.toString('utf8')) as { mmr_index: number; size: number; path: string[] };
      expect(proof.size).toBe(39);
      const proofFile = write(`proof-${n}.json`, JSON.stringify(proof));
      const peak = n < 16 ? acc[0] : n < 20 ? acc[1] : acc[2];
      const v1 = run(['mmr', 'verify', '--proof', proofFile, '--leaves', file, '--leaf', String(n)]);
      expect(v1.status, v1.stderr).toBe(0);
      expect(JSON.parse(v1.stdout.toString('utf8'))).toMatchObject({ valid: true, root: peak });
      const v2 = run([
        'mmr',
        'verify',
        '--mmr-index',
        String(proof.mmr_index),
        '--size',
        '39',
        '--path',
        proof.path.join(','),
        '--leaf-hash',
        leaves[n] as string,
        '--peaks',
        acc.join(','),
      ]);
      expect(v2.status, v2.stderr).toBe(0);
      const v3 = run(['mmr', 'verify', '--proof', '-', '--leaf-hash', leaves[n] as string, '--peak', peak as string], JSON.stringify(proof));
      expect(v3.status, v3.stderr).toBe(0);
      // another leaf's hash, another peak, a flipped path element
      const other = leaves[(n + 1) % 21] as string;
      const w1 = run(['mmr', 'verify', '--proof', proofFile, '--leaf-hash', other, '--peak', peak as string]);
      expect(w1.status).toBe(1);
      expect(JSON.parse(w1.stdout.toString('utf8')).valid).toBe(false);
      expect(w1.stderr).toContain('PROOF_INVALID');
      expect(
        run(['mmr', 'verify', '--proof', proofFile, '--leaf-hash', leaves[n] as string, '--peak', (peak === acc[0] ? acc[1] : acc[0]) as string]).status,
      ).toBe(1);
      if (proof.path.length > 0) {
        const bad = [...proof.path];
        bad[0] = (bad[0] as string).replace(/^./, (c) => (c === '0' ? '1' : '0'));
        expect(
          run([
            'mmr',
            'verify',
            '--mmr-index',
            String(proof.mmr_index),
            '--size',
            '39',
            '--path',
            bad.join(','),
            '--leaf-hash',
            leaves[n] as string,
            '--peaks',
            acc.join(','),
          ]).status,
        ).toBe(1);
      }
    }
  });

  it('usage errors exit 64; bad files exit 1', () => {
    const file = write('kat3.txt', katLeaves().join('\n'));
    expect(run(['mmr', 'prove', '--leaves', file]).status).toBe(64);
    expect(run(['mmr', 'prove', '--leaves', file, '--leaf', '21']).status).toBe(64);
    expect(run(['mmr', 'prove', '--leaves', file, '--leaf', 'x']).status).toBe(64);
    expect(run(['mmr', 'verify', '--mmr-index', '0', '--size', '39', '--path', '', '--leaf-hash', 'ab']).status).toBe(64);
    expect(run(['mmr', 'verify', '--mmr-index', '0', '--size', '39', '--path', '', '--leaf-hash', katLeaves()[0] as string]).status).toBe(64); // nothing to check against
    const broken = write('broken.txt', 'zz\n');
    const r = run(['mmr', 'peaks', '--leaves', broken]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('line 1');
    expect(
      run(['mmr', 'verify', '--mmr-index', '0', '--size', '2', '--path', '', '--leaf-hash', katLeaves()[0] as string, '--peak', katLeaves()[0] as string])
        .status,
    ).toBe(1); // not a valid size
  });
});

describe('charter node --checkpoint-every', () => {
  it('refuses a bad interval with exit 64', () => {
    const r = run(['node', '--home', path.join(tmp, 'n0'), '--rpc', '127.0.0.1:0', '--checkpoint-every', '0']);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--checkpoint-every');
  });

  it('issues validator-signed checkpoints every N blocks, served with the trust file', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'node', '--home', path.join(tmp, 'n1'), '--rpc', '127.0.0.1:0', '--block-time', '50ms', '--empty-blocks', '--checkpoint-every', '2'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no RPC line; stdout: ${out}`)), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString('utf8');
          const m = /RPC: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
      });
      let page: { every: number; checkpoints: { checkpoint: { height: number } }[] } = { every: 0, checkpoints: [] };
      const end = Date.now() + 30_000;
      while (page.checkpoints.length < 2 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        page = (await (await fetch(`${url}/explorer/checkpoints`)).json()) as typeof page;
      }
      expect(page.every).toBe(2);
      expect(page.checkpoints.length).toBeGreaterThanOrEqual(2);
      const trust = parseTrustFile(await (await fetch(`${url}/explorer/trust`)).json());
      for (const c of page.checkpoints) {
        expect(c.checkpoint.height % 2).toBe(0);
        expect(verifyCheckpoint(c, trust, nobleVerifier).ok).toBe(true);
      }
    } finally {
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
