/**
 * The devnet admin signs: the embedded devnet's admin key (loaded by the
 * composition root from the devnet home). With no devnet (a console on
 * another node) there is no such key, and every act is refused with
 * NOT_AVAILABLE.
 */
import { CharterError } from '../../core/errors.js';
import type { TxSigner } from '../services/submit.js';
import type { Authority, AuthorityAct, AuthoritySigner } from './types.js';

export const DEVNET_ADMIN_UNAVAILABLE =
  'this action is signed by the chain admin, and the console holds an admin key only for its embedded devnet (registration through governance: propose key.register in the Governance view)';

export class DevnetAdminAuthority implements Authority {
  readonly kind = 'devnet-admin' as const;

  /** `admin` answers the devnet admin's signer, or null when the console runs without its devnet. */
  constructor(private readonly admin: () => TxSigner | null) {}

  signer(_act: AuthorityAct): AuthoritySigner {
    const a = this.admin();
    if (!a) throw new CharterError('NOT_AVAILABLE', DEVNET_ADMIN_UNAVAILABLE);
    return { keyId: a.keyId, scheme: 'ed25519', sign: (d, e) => a.sign(d, e) };
  }
}
