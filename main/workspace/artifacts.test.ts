// The content-addressed store on a real workspace (SQLite file, artifacts/ dir):
// one file per digest with the bytes given, one row per digest, reads re-checked
// against the digest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex, utf8 } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import { Workspace } from './workspace.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-artifacts-'));
const ws = Workspace.open(path.join(tmp, 'ws'));
afterAll(() => {
  ws.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
const rows = (sha: string) =>
  ws.db.prepare('SELECT * FROM artifacts WHERE sha256 = ?').all(sha) as { artifact_type: string; size: number; subject: string; created_at: string }[];

describe('ArtifactStore', () => {
  it('keeps bytes under their sha256 with one row, and a string as its UTF-8', () => {
    const text = '{"a":"é"}';
    const out = ws.artifacts.put(text, { type: 't/v1', subject: 's1', ext: '.json', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(out.sha256).toBe(sha256Hex(utf8(text)));
    expect(out.file).toBe(path.join(ws.artifactsDir, `${out.sha256}.json`));
    expect(out.size).toBe(utf8(text).length);
    expect(fs.readFileSync(out.file, 'utf8')).toBe(text);
    if (process.platform !== 'win32') expect(fs.statSync(out.file).mode & 0o777).toBe(0o600);
    expect(rows(out.sha256)).toEqual([{ sha256: out.sha256, artifact_type: 't/v1', size: out.size, subject: 's1', created_at: '2026-01-01T00:00:00.000Z' }]);
    expect(ws.artifacts.has(out.sha256, '.json')).toBe(true);
    expect(ws.artifacts.has(out.sha256, '.zip')).toBe(false);
  });

  it('keeps the first file and row when the same bytes come again', () => {
    const bytes = Uint8Array.from([1, 2, 3]);
    const a = ws.artifacts.put(bytes, { type: 'first', subject: 'x' });
    const mtime = fs.statSync(a.file).mtimeMs;
    const b = ws.artifacts.put(bytes, { type: 'second', subject: 'y' });
    expect(b).toEqual(a);
    expect(fs.statSync(a.file).mtimeMs).toBe(mtime);
    expect(rows(a.sha256).map((r) => r.artifact_type)).toEqual(['first']);
  });

  it('reads bytes back, says when they no longer match their digest, and null when missing', () => {
    const a = ws.artifacts.put('keep me', { type: 't', subject: 'read', ext: '.json' });
    expect(ws.artifacts.get(a.sha256, '.json')).toEqual({ file: a.file, bytes: Buffer.from('keep me'), intact: true });
    fs.writeFileSync(a.file, 'altered');
    expect(ws.artifacts.get(a.sha256, '.json')?.intact).toBe(false);
    fs.rmSync(a.file);
    expect(ws.artifacts.get(a.sha256, '.json')).toBeNull();
    expect(ws.artifacts.get('../../etc/passwd', '')).toBeNull();
    expect(ws.artifacts.has('nothex', '')).toBe(false);
  });

  it('names the latest artifact of a type about a subject', () => {
    expect(ws.artifacts.latest('att', 'k1')).toBeNull();
    const a = ws.artifacts.put('one', { type: 'att', subject: 'k1', createdAt: '2026-01-01T00:00:01.000Z' });
    const b = ws.artifacts.put('two', { type: 'att', subject: 'k1', createdAt: '2026-01-01T00:00:02.000Z' });
    ws.artifacts.put('other', { type: 'att', subject: 'k2', createdAt: '2026-01-01T00:00:03.000Z' });
    expect(ws.artifacts.latest('att', 'k1')).toBe(b.sha256);
    expect(a.sha256).not.toBe(b.sha256);
  });

  it('refuses a name that is not a digest and an ending (INTERNAL)', () => {
    expect(() => ws.artifacts.file('abc', '.json')).toThrow(CharterError);
    expect(() => ws.artifacts.file('a'.repeat(64), '/x')).toThrow(/bad artifact name/);
    expect(() => ws.artifacts.put('x', { type: 't', subject: 's', ext: '../x' })).toThrow(/bad artifact name/);
  });
});
