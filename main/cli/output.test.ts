// What the CLI prints from outside text: no control characters on the terminal
// (a bundle member's name with ESC sequences, run through the real
// `charter bundle verify`), and --json output that is the same JSON value with
// the characters JSON.stringify leaves raw escaped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeZip } from '../evidence/zip-write.js';
import { main } from './index.js';
import { cleanLines, cleanText, jsonText } from './output.js';

const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-cli-text-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function capture(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (chunks.push(String(s)), true);
  try {
    const code = await main(['node', 'charter', ...args]);
    return { code, out: chunks.join('') };
  } finally {
    (process.stdout as unknown as { write: typeof orig }).write = orig;
  }
}

describe('terminal text from outside', () => {
  it('cleanText drops C0/C1 controls, DEL and bidirectional overrides, and keeps one line', () => {
    expect(cleanText('a\u001b[31mb\u0007c\u009bd\u007fe\u202ef\r\ng\th')).toBe('a[31mbcdef g h');
    expect(cleanText('plain — text, ünïcödé')).toBe('plain — text, ünïcödé');
    expect(cleanLines('one\u001b[2J\ntwo\r\nthree')).toBe('one[2J\ntwo\nthree');
  });

  it('jsonText is the same JSON value with DEL, C1 and bidi characters escaped', () => {
    const v = { label: 'x\u001b\u007f\u009b\u202e\u2028y', n: 1 };
    const t = jsonText(v);
    expect(t).not.toMatch(CONTROLS);
    expect(t).not.toContain('\u2028');
    expect(JSON.parse(t)).toEqual(v);
    expect(JSON.stringify(v)).toMatch(/[\u007f\u009b\u202e]/); // what plain JSON.stringify would have printed
  });

  it('charter bundle verify prints a member named with ESC sequences without them', async () => {
    const evil = 'evil\u001b]0;pwned\u0007\u001b[2Jname\u009b1m.json';
    const zip = await writeZip([[evil, new TextEncoder().encode('{}')]]);
    const file = path.join(tmp, 'evil.zip');
    fs.writeFileSync(file, zip);
    const text = await capture(['bundle', 'verify', file]);
    expect(text.code).not.toBe(0);
    // The verifier quotes the name JSON-style (C0 controls as \u escapes); a C1 control (U+009B, CSI) it leaves: the CLI drops it.
    expect(text.out).toMatch(/evil\\u001b\]0;pwned.*name1m\.json/);
    expect(text.out).not.toMatch(CONTROLS);
    const json = await capture(['bundle', 'verify', file, '--json']);
    expect(json.out).not.toMatch(CONTROLS);
    expect(JSON.stringify(JSON.parse(json.out))).toContain(JSON.stringify(evil).slice(1, -1));
  });
});
