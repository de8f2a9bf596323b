// The injected authority: the devnet admin signs (or NOT_AVAILABLE without a
// devnet), an operator key signs, governance is not available yet.
import { describe, expect, it } from 'vitest';
import { CharterError } from '../../core/errors.js';
import type { TxSigner } from '../services/submit.js';
import { DEVNET_ADMIN_UNAVAILABLE, DevnetAdminAuthority, GovernanceAuthority, OperatorKeyAuthority } from './index.js';

const digest = new Uint8Array([1, 2, 3]);
const signerOf = (keyId: string, seen: string[] = []): TxSigner => ({
  keyId,
  sign: async (d) => {
    seen.push(keyId);
    return Uint8Array.from([...d].reverse());
  },
});

function refusal(f: () => unknown): CharterError {
  try {
    f();
  } catch (e) {
    if (e instanceof CharterError) return e;
    throw e;
  }
  throw new Error('did not refuse');
}

describe('authority strategies', () => {
  it('devnet admin: its key signs; without a devnet every act is NOT_AVAILABLE with the same words as before', async () => {
    let admin: TxSigner | null = signerOf('admin');
    const a = new DevnetAdminAuthority(() => admin);
    const s = a.signer('vault.create');
    expect(s).toMatchObject({ keyId: 'admin', scheme: 'ed25519' });
    expect([...(await s.sign(digest, undefined as never))]).toEqual([3, 2, 1]);
    admin = null;
    const e = refusal(() => a.signer('key.register'));
    expect(e.code).toBe('NOT_AVAILABLE');
    expect(e.message).toBe(DEVNET_ADMIN_UNAVAILABLE);
  });

  it('operator key: the chosen key signs, unlocked with the secret asked at signing time only', async () => {
    const asked: (string | undefined)[] = [];
    const seen: string[] = [];
    let secretCalls = 0;
    const a = new OperatorKeyAuthority({
      keyId: 'op1',
      scheme: 'p256',
      signerFor: (keyId, secret) => {
        asked.push(secret);
        return signerOf(keyId, seen);
      },
      secret: () => {
        secretCalls++;
        return 'pin';
      },
    });
    const s = a.signer('key.set_roles');
    expect(s).toMatchObject({ keyId: 'op1', scheme: 'p256' });
    expect(secretCalls).toBe(0);
    await s.sign(digest, undefined as never);
    expect(asked).toEqual(['pin']);
    expect(seen).toEqual(['op1']);
  });

  it('governance: not available yet, refused before anything is signed', () => {
    const e = refusal(() => new GovernanceAuthority().signer('key.register'));
    expect(e.code).toBe('NOT_AVAILABLE');
    expect(e.details).toEqual({ act: 'key.register', authority: 'governance' });
  });
});
