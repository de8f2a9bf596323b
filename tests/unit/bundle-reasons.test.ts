// The bundle format's contract with other verifiers: every reason code the
// console's verifier can emit is defined in docs/formats/evidence-bundle.md §9,
// and the check list §5 gives is the one the verifier reports, in its order.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASE_CHECKS, COMMON_CHECKS, CONTAINER_REASONS, SEGMENT_CHECKS } from '../../core/evidence/bundle/index.js';

const root = path.resolve(__dirname, '../..');
const doc = fs.readFileSync(path.join(root, 'docs/formats/evidence-bundle.md'), 'utf8');
const section = (title: string) => {
  const a = doc.indexOf(`## ${title}`);
  const b = doc.indexOf('\n## ', a + 3);
  return doc.slice(a, b < 0 ? undefined : b);
};

/** Upper-case string literals of the verifier's sources (comments skipped): its reason codes. */
function literalCodes(): Set<string> {
  const dir = path.join(root, 'core/evidence/bundle');
  const out = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    const text = fs
      .readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
      .join('\n');
    // Errors thrown to the caller (CharterError codes of core/errors.ts) are not reasons of a check.
    for (const m of text.replace(/new CharterError\('[A-Z_]+'/g, '').matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)) out.add(m[1] as string);
  }
  out.delete('NFC'); // Unicode normalisation form, not a reason
  return out;
}

describe('the reason codes', () => {
  const table = section('9. Reason codes');
  const defined = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]{1,})`/g)].map((m) => m[1] as string));

  it('the verifier emits only codes the document defines', () => {
    const used = new Set([...literalCodes(), ...CONTAINER_REASONS, 'BAD_GENESIS', 'SEQ_GAP', 'PREV_ROOT_MISMATCH', 'HEIGHT_DECREASES', 'NEXT_ROOT_MISMATCH']);
    expect(used.size).toBeGreaterThan(60);
    expect([...used].filter((c) => !defined.has(c)).sort()).toEqual([]);
  });

  it('the document defines no code the verifier never uses', () => {
    const used = new Set([
      ...literalCodes(),
      ...CONTAINER_REASONS,
      'OK',
      'BAD_GENESIS',
      'SEQ_GAP',
      'PREV_ROOT_MISMATCH',
      'HEIGHT_DECREASES',
      'NEXT_ROOT_MISMATCH',
    ]);
    expect([...defined].filter((c) => !used.has(c)).sort()).toEqual([]);
  });
});

describe('the check list', () => {
  it("§5 names the verifier's checks in the verifier's order", () => {
    const intro = section('5. Verification algorithm').split('**Step 1')[0] as string;
    const named = [...intro.matchAll(/`([a-z]+(?:\.[a-z]+)+|manifest|content)`/g)].map((m) => m[1] as string);
    const order = [...COMMON_CHECKS, ...CASE_CHECKS, ...SEGMENT_CHECKS].map(([id]) => id);
    expect(named.filter((n) => order.includes(n))).toEqual(order);
  });
});
