/**
 * NOT AVAILABLE YET — "propose through governance" as the authority.
 *
 * Its shape: instead of signing an act itself, the authority would submit a
 * gov.propose whose action is the act (key.register, key.set_roles, … as the
 * engine's governance actions name them), signed by a proposer key, and hand
 * back the proposal id; the act takes effect when governance executes it. That
 * needs an act → action mapping the engine offers for every act and a result
 * type services can show ("proposed as P", not "done in block H"), which the
 * contract does not have yet.
 *
 * Until then every act is refused with NOT_AVAILABLE, before anything is signed.
 */
import { CharterError } from '../../core/errors.js';
import type { Authority, AuthorityAct, AuthoritySigner } from './types.js';

export class GovernanceAuthority implements Authority {
  readonly kind = 'governance' as const;

  signer(act: AuthorityAct): AuthoritySigner {
    throw new CharterError(
      'NOT_AVAILABLE',
      `acting through governance is not available in this version: propose the ${act} action in the Governance view instead`,
      { act, authority: this.kind },
    );
  }
}
