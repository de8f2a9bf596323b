import { useId, type RefObject } from 'react';
import type { KeyView } from '../../../core/contract/index.js';

export type BackendKind = KeyView['backend'];

/** What unlocks a key of this backend, as the field's label says it. */
export function secretLabel(backend: BackendKind, prefix = ''): string | null {
  if (backend === 'ledger') return null;
  const base = backend === 'pkcs11' ? 'Token PIN' : 'Passphrase';
  return prefix ? `${prefix} ${base.charAt(0).toLowerCase()}${base.slice(1)}` : base;
}

/**
 * The unlock secret of one call: a password input (passphrase for a software
 * key, the token's user PIN for a PKCS#11 key), read once with takeSecret and
 * cleared. A Ledger key needs none: the device asks for confirmation instead.
 */
export function SecretField({
  backend,
  inputRef,
  label,
  hint,
  required = true,
  autoFocus,
  newSecret,
}: {
  backend: BackendKind;
  inputRef: RefObject<HTMLInputElement | null>;
  label?: string;
  hint?: string;
  required?: boolean;
  autoFocus?: boolean;
  newSecret?: boolean;
}) {
  const id = useId();
  const text = label ?? secretLabel(backend);
  if (backend === 'ledger' || text === null) {
    return (
      <p className="field-hint" role="note">
        Ledger: no PIN is typed here. Unlock the device, open the Ethereum app and confirm on the device when it asks.
      </p>
    );
  }
  return (
    <div className="field">
      <label htmlFor={`${id}-secret`}>{text}</label>
      <input
        id={`${id}-secret`}
        ref={inputRef}
        type="password"
        required={required}
        autoFocus={autoFocus}
        data-autofocus={autoFocus ? '' : undefined}
        autoComplete={newSecret ? 'new-password' : 'current-password'}
        aria-describedby={`${id}-secret-hint`}
      />
      <span id={`${id}-secret-hint`} className="field-hint">
        {hint ?? (backend === 'pkcs11' ? 'The token’s user PIN, for this one call. It is not kept.' : 'Unlocks the key for this one call. It is not kept.')}
      </span>
    </div>
  );
}
