import { useId, type ReactNode, type RefObject } from 'react';
import type { KeyView } from '../../../core/contract/index.js';
import { keyName } from '../store.js';

/** The devnet admin as a signer choice (no key of this workspace). */
export const DEVNET_ADMIN = '';

/**
 * Who signs, and the secret that unlocks it: a radio list of the keys (and the
 * devnet admin) that may sign, then the passphrase or PIN field for the chosen
 * key (none for the devnet admin or a Ledger, which confirms on the device).
 * Shared by the dialogs that sign one transaction after showing its preview.
 */
export function SignerFields({
  legend,
  empty,
  choices,
  signer,
  onChoose,
  describe,
  keys,
  pass,
}: {
  legend: string;
  /** Said when nothing can sign. */
  empty: string;
  choices: readonly string[];
  signer: string | null;
  onChoose: (keyId: string) => void;
  /** The line under a choice. */
  describe: (keyId: string) => ReactNode;
  keys: KeyView[] | null;
  pass: RefObject<HTMLInputElement | null>;
}) {
  const id = useId();
  const backend = (keys ?? []).find((k) => k.keyId === signer)?.backend ?? 'software';
  const signerName = signer === DEVNET_ADMIN ? 'Devnet admin' : signer ? keyName(keys, signer) : '';
  return (
    <>
      <fieldset className="field">
        <legend>{legend}</legend>
        {choices.length === 0 ? <p className="field-hint">{empty}</p> : null}
        <div className="checks">
          {choices.map((c) => (
            <div key={c || 'admin'} className="check">
              <input
                type="radio"
                name={`${id}-signer`}
                id={`${id}-s-${c || 'admin'}`}
                checked={signer === c}
                onChange={() => onChoose(c)}
                aria-describedby={`${id}-sd-${c || 'admin'}`}
              />
              <label htmlFor={`${id}-s-${c || 'admin'}`}>{c === DEVNET_ADMIN ? 'Devnet admin' : keyName(keys, c)}</label>
              <span id={`${id}-sd-${c || 'admin'}`} className="check-desc">
                {describe(c)}
              </span>
            </div>
          ))}
        </div>
      </fieldset>
      {signer === DEVNET_ADMIN || signer === null ? null : backend === 'ledger' ? (
        <p className="field-hint" role="note">
          Ledger key: no PIN is typed here. Confirm on the device when it asks.
        </p>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-pass`}>{backend === 'pkcs11' ? 'Token PIN' : 'Passphrase'}</label>
          <input id={`${id}-pass`} ref={pass} type="password" required autoComplete="current-password" aria-describedby={`${id}-pass-hint`} />
          <span id={`${id}-pass-hint`} className="field-hint">
            Unlocks “{signerName}” for this one signature. It is not kept.
          </span>
        </div>
      )}
    </>
  );
}
