// The contract is composed from one file per domain (core/contract/domains/*.ts):
// every operation sits in exactly one domain under that domain's prefix, and
// its audit metadata travels with it.
import { describe, expect, it } from 'vitest';
import { AUDITED_METHODS, auditSpecOf, domains, METHOD_NAMES, methods } from '../../core/contract/index.js';

describe('the contract per domain', () => {
  it('composes every domain operation into methods, once, under its domain prefix', () => {
    const fromDomains = Object.entries(domains).flatMap(([d, ops]) => Object.keys(ops).map((m) => [d, m] as const));
    for (const [d, m] of fromDomains) expect(m.startsWith(`${d}.`), m).toBe(true);
    expect(fromDomains.map(([, m]) => m).sort()).toEqual([...METHOD_NAMES].sort());
    expect(new Set(METHOD_NAMES).size).toBe(METHOD_NAMES.length);
    for (const [d, m] of fromDomains) expect(methods[m as keyof typeof methods]).toBe((domains as Record<string, Record<string, unknown>>)[d]![m]);
  });

  it('AUDITED_METHODS is exactly the operations audited on every call; a refusal-only audit is not among them', () => {
    const always = METHOD_NAMES.filter((m) => auditSpecOf(m) !== undefined && auditSpecOf(m)!.when !== 'refused');
    expect([...AUDITED_METHODS].sort()).toEqual(always.sort());
    expect(auditSpecOf('governance.preview')?.when).toBe('refused');
    expect(AUDITED_METHODS).not.toContain('governance.preview');
    expect(AUDITED_METHODS).toContain('custody.approve');
    expect(auditSpecOf('keys.list')).toBeUndefined();
  });

  it('an audited operation names its subject from its input and output', () => {
    expect(auditSpecOf('custody.approve')!.subject({ requestId: 'wr-1' } as never, null)).toBe('request wr-1');
    expect(auditSpecOf('keys.create')!.subject({ label: 'ops' } as never, null)).toBe('key "ops"');
    expect(auditSpecOf('keys.retire')!.signer!({ keyId: 'k', asAdmin: true })).toBeNull();
  });
});
