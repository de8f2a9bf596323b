/** Which lifecycle actions a key offers (keyActions.ts): by its on-chain status, a pending rotation and its backend. */
import { describe, expect, it } from 'vitest';
import type { KeyView } from '../../../../core/contract/index.js';
import { keyActionsFor } from './keyActions.js';

const key = (over: Partial<KeyView>): KeyView =>
  ({ keyId: 'a'.repeat(40), label: 'k', backend: 'software', onChain: 'active', roles: [], rotation: null, ...over }) as unknown as KeyView;
const ids = (k: KeyView) => keyActionsFor(k).map((a) => a.id);

describe('key actions', () => {
  it('follow the on-chain status', () => {
    expect(ids(key({ onChain: 'unregistered' }))).toEqual(['register', 'export']);
    expect(ids(key({ onChain: 'active' }))).toEqual(['attest', 'roles', 'rotate', 'retire', 'revoke', 'export']);
    expect(ids(key({ onChain: 'quarantined', backend: 'pkcs11' }))).toEqual(['attest', 'roles', 'rotate', 'retire', 'revoke']);
    expect(ids(key({ onChain: 'retired' }))).toEqual(['export']);
    expect(ids(key({ onChain: 'revoked', backend: 'ledger' }))).toEqual([]);
  });

  it('offer no second rotation while one is pending; only revoke is marked dangerous', () => {
    const k = key({ rotation: { pending: true } as never });
    expect(ids(k)).not.toContain('rotate');
    expect(
      keyActionsFor(key({}))
        .filter((a) => a.danger)
        .map((a) => a.id),
    ).toEqual(['revoke']);
  });
});
