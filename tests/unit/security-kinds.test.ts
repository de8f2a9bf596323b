import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECURITY_EVENT_KINDS, securityKindOf } from '../../core/engine/security-kinds.js';
import { methods } from '../../core/contract/index.js';

const ENGINE_DIR = path.resolve(__dirname, '../../core/engine');

/** Every "security.<kind>" string literal in the engine's source, its modules included (tests excluded). */
function emittedKinds(): Set<string> {
  const out = new Set<string>();
  for (const f of fs.readdirSync(ENGINE_DIR, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts') || f === 'security-kinds.ts') continue;
    const src = fs.readFileSync(path.join(ENGINE_DIR, f), 'utf8');
    for (const m of src.matchAll(/'security\.([a-z_]+)'/g)) out.add(m[1] as string);
  }
  return out;
}

describe('security event kinds', () => {
  it('the list is exactly the kinds the engine source emits', () => {
    const emitted = emittedKinds();
    expect(emitted.size).toBeGreaterThan(20);
    expect([...SECURITY_EVENT_KINDS].sort()).toEqual([...emitted].sort());
  });

  it('the contract filter accepts the listed kinds, with or without the prefix, and refuses others', () => {
    const input = methods['security.events'].input;
    for (const k of SECURITY_EVENT_KINDS) {
      expect(input.safeParse({ kind: k }).success).toBe(true);
      expect(input.safeParse({ kind: `security.${k}` }).success).toBe(true);
    }
    expect(input.safeParse({ kind: 'tx_rejectd' }).success).toBe(false);
    expect(securityKindOf('security.key_revoked')).toBe('key_revoked');
    expect(securityKindOf('nope')).toBeNull();
  });

  it('the contract refuses an inverted height range', () => {
    const r = methods['security.events'].input.safeParse({ fromHeight: 9, toHeight: 3 });
    expect(r.success).toBe(false);
  });
});
