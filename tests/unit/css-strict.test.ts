/**
 * A CSS warning fails the renderer build (renderer/vite.config.ts cssStrict):
 * an unclosed rule once nested every later rule of styles.css inside
 * `.key-actions` while Vite printed a warning and built anyway. Real esbuild
 * and a real Vite build of a two-file project in a temp directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import { cssStrict, cssWarnings } from '../../renderer/vite.config.js';

const ROOT = path.resolve(__dirname, '../..');
const UNCLOSED = '.key-actions {\n  display: flex;\n  gap: 4px;\n\n.drop-zone {\n  border: 1px dashed;\n}\n';

let dir = '';
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Build index.html → main.js → style.css with the strict plugin alone. */
async function viteBuild(css: string): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-css-'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><title>t</title></head><body><script type="module" src="./main.js"></script></body></html>',
  );
  fs.writeFileSync(path.join(dir, 'main.js'), "import './style.css';\n");
  fs.writeFileSync(path.join(dir, 'style.css'), css);
  await build({ root: dir, configFile: false, logLevel: 'silent', plugins: [cssStrict()], build: { outDir: path.join(dir, 'out'), write: true } });
}

describe('CSS warnings', () => {
  it('an unclosed rule is a warning that names the unbalanced "{"', async () => {
    const w = await cssWarnings(UNCLOSED, 'broken.css');
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('Expected "}" to go with "{"');
    expect(w[0]).toContain('broken.css:1:');
    expect(await cssWarnings(UNCLOSED.replace('gap: 4px;\n', 'gap: 4px;\n}\n'), 'fixed.css')).toEqual([]);
  });

  it('the shipped stylesheets have none, and the index imports every one of them', async () => {
    const src = path.join(ROOT, 'renderer/src');
    const files = (fs.readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.css')).map((f) => path.join(src, f));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(await cssWarnings(fs.readFileSync(file, 'utf8'), file), file).toEqual([]);
    const index = path.join(src, 'styles/index.css');
    const imported = [...fs.readFileSync(index, 'utf8').matchAll(/@import '([^']+)';/g)].map((m) => path.resolve(path.dirname(index), m[1]!));
    expect(imported.sort()).toEqual(files.filter((f) => f !== index).sort());
  });

  it('fail a real Vite build; the same project with the rule closed builds', async () => {
    await expect(viteBuild(UNCLOSED)).rejects.toThrow(/a CSS warning fails the build[\s\S]*Expected "}" to go with "{"/);
    await viteBuild(UNCLOSED.replace('gap: 4px;\n', 'gap: 4px;\n}\n'));
    const out = fs.readdirSync(path.join(dir, 'out/assets'));
    expect(out.some((f) => f.endsWith('.css'))).toBe(true);
  });
});
