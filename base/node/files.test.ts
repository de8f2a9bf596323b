// The file primitives on a real filesystem: private directories and files
// narrowed whoever made them, and the one rule for output files the operator
// names (exclusive create, no overwrite without force, never through a
// symbolic link, 0600, a half-written file removed). The half-written case is
// a real write failure: a child process under `ulimit -f` (with SIGXFSZ
// ignored, so write() returns EFBIG instead of killing it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir, ensurePrivateFile, OutputFileError, writeOutputFile } from './files.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-atomic-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const mode = (p: string) => fs.statSync(p).mode & 0o777;

function refusal(f: () => void): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OutputFileError);
    return (e as OutputFileError).reason;
  }
  throw new Error('not refused');
}

describe('private directories and files', () => {
  it('an existing 0755 directory and a 0644 file are narrowed to 0700 and 0600', () => {
    const d = path.join(tmp, 'open-dir');
    fs.mkdirSync(d);
    fs.chmodSync(d, 0o755);
    ensurePrivateDir(d);
    expect(mode(d)).toBe(0o700);
    const f = path.join(d, 'db');
    fs.writeFileSync(f, 'x');
    fs.chmodSync(f, 0o644);
    ensurePrivateFile(f);
    expect(mode(f)).toBe(0o600);
    expect(fs.readFileSync(f, 'utf8')).toBe('x'); // narrowed, not truncated
    const g = path.join(d, 'new');
    ensurePrivateFile(g);
    expect(mode(g)).toBe(0o600);
    expect(fs.statSync(g).size).toBe(0);
  });
});

describe('writeOutputFile', () => {
  it('creates 0600, refuses an existing file without force, replaces it with force', () => {
    const f = path.join(tmp, 'out.json');
    writeOutputFile(f, 'one');
    expect(mode(f)).toBe(0o600);
    expect(refusal(() => writeOutputFile(f, 'two'))).toBe('EXISTS');
    expect(fs.readFileSync(f, 'utf8')).toBe('one');
    fs.chmodSync(f, 0o644);
    writeOutputFile(f, 'three', { force: true });
    expect(fs.readFileSync(f, 'utf8')).toBe('three');
    expect(mode(f)).toBe(0o600);
  });

  it('never writes through a symbolic link, with or without force, dangling or not', () => {
    const target = path.join(tmp, 'target');
    fs.writeFileSync(target, 'keep');
    const link = path.join(tmp, 'link');
    fs.symlinkSync(target, link);
    expect(refusal(() => writeOutputFile(link, 'x'))).toBe('SYMLINK');
    expect(refusal(() => writeOutputFile(link, 'x', { force: true }))).toBe('SYMLINK');
    const dangling = path.join(tmp, 'dangling');
    fs.symlinkSync(path.join(tmp, 'nowhere'), dangling);
    expect(refusal(() => writeOutputFile(dangling, 'x', { force: true }))).toBe('SYMLINK');
    expect(fs.readFileSync(target, 'utf8')).toBe('keep');
    expect(fs.existsSync(path.join(tmp, 'nowhere'))).toBe(false);
    expect(refusal(() => writeOutputFile(tmp, 'x', { force: true }))).toBe('NOT_A_FILE');
  });

  it('removes the file it created when the write fails half way (EFBIG under ulimit -f), and a failed --force leaves the old file and no temp file', () => {
    if (process.platform === 'win32') return;
    const script = path.join(tmp, 'writer.mjs');
    buildSync({
      entryPoints: [path.join(import.meta.dirname, 'files.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: path.join(tmp, 'files.mjs'),
      logLevel: 'silent',
    });
    fs.writeFileSync(
      script,
      `import { writeOutputFile } from './files.mjs';
       try { writeOutputFile(process.argv[2], Buffer.alloc(64 * 1024, 120), { force: process.argv[3] === 'force' }); console.log('written'); }
       catch (e) { console.log('refused ' + e.reason + ' ' + e.message); }`,
    );
    const run = (file: string, force: boolean) =>
      spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f 8; exec "${process.execPath}" "${script}" "${file}" ${force ? 'force' : ''}`], { encoding: 'utf8' });
    const fresh = path.join(tmp, 'big.bin');
    const r = run(fresh, false);
    expect(r.stdout).toMatch(/^refused IO cannot write .*(EFBIG|too large)/i);
    expect(fs.existsSync(fresh)).toBe(false);

    const old = path.join(tmp, 'old.bin');
    fs.writeFileSync(old, 'old contents');
    const before = fs.readdirSync(tmp).sort();
    const f = run(old, true);
    expect(f.stdout).toMatch(/^refused IO/);
    expect(fs.readFileSync(old, 'utf8')).toBe('old contents');
    expect(fs.readdirSync(tmp).sort()).toEqual(before); // no temp file left behind
  });
});
