/**
 * One operator's key signs for the authority: a key of the key registry (any
 * backend) that the chain gave the standing it needs (admin, governance
 * member). Its secret comes from `secret()` at signing time, so nothing is
 * unlocked until a transaction is signed.
 */
import type { TxSigner } from '../services/submit.js';
import type { Authority, AuthorityAct, AuthoritySigner } from './types.js';

export interface OperatorKey {
  keyId: string;
  scheme: string;
  /** The registry's signer for the key, unlocked with the secret given (KeysService.signerFor). */
  signerFor: (keyId: string, secret?: string) => TxSigner;
  /** The key's passphrase or PIN when it is needed (none for a Ledger key). */
  secret?: () => string | undefined;
}

export class OperatorKeyAuthority implements Authority {
  readonly kind = 'operator-key' as const;

  constructor(private readonly key: OperatorKey) {}

  signer(_act: AuthorityAct): AuthoritySigner {
    const { keyId, scheme, signerFor, secret } = this.key;
    return { keyId, scheme, sign: (d, e) => signerFor(keyId, secret?.()).sign(d, e) };
  }
}
