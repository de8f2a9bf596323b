/**
 * The chain's authority, as the console acts for it: who signs the
 * transactions that need the chain's admin or governance standing (registering
 * a key, its attestation and roles, retiring a key for it, creating and
 * funding a vault, cancelling a request, proposing, voting or executing when
 * no local key is chosen). Services ask the injected Authority; none assumes
 * a particular key.
 *
 * Strategies (main/authority/*.ts):
 * - DevnetAdminAuthority: the embedded devnet's admin key signs (the devnet is
 *   the only network where the console holds such a key);
 * - OperatorKeyAuthority: one operator key of the key registry signs, unlocked
 *   by a secret source;
 * - GovernanceAuthority: NOT AVAILABLE YET: would turn each act into a
 *   governance proposal; today it refuses every act with NOT_AVAILABLE.
 */
import type { TxType } from '../../core/engine/types.js';
import type { TxSigner } from '../services/submit.js';

/** A transaction the authority is asked to sign. */
export type AuthorityAct = TxType;

/** The signer the authority offers for an act, with what a preview shows of it. */
export interface AuthoritySigner extends TxSigner {
  /** The key's signature scheme (shown in previews). */
  scheme: string;
}

export interface Authority {
  /** Which strategy this is. */
  readonly kind: 'devnet-admin' | 'operator-key' | 'governance';
  /**
   * The signer for `act`, or a CharterError (NOT_AVAILABLE) when this
   * authority cannot act here. Cheap and unlocks nothing: services call it to
   * refuse before anything is signed.
   */
  signer(act: AuthorityAct): AuthoritySigner;
}
