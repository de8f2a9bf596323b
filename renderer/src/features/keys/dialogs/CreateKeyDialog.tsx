import { useId, useRef, useState, type FormEvent } from 'react';
import { client } from '../../../common/client.js';
import { Dialog, ErrorAlert } from '../../../common/ui.js';
import { closeDialog, notify, refreshKeys } from '../../../store.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { takeSecret } from '../../../common/secret.js';

export function CreateKeyDialog() {
  const id = useId();
  const [label, setLabel] = useState('');
  const pass = useRef<HTMLInputElement>(null);
  const confirm = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useSubmit();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    let passphrase = takeSecret(pass);
    // The host compares the two (PASSPHRASE_MISMATCH) and records a refusal in the audit log.
    let confirmPassphrase = takeSecret(confirm);
    await run(
      async () => {
        const key = await client().call('keys.create', { label, passphrase, confirmPassphrase });
        passphrase = '';
        confirmPassphrase = '';
        void refreshKeys();
        notify({ kind: 'info', title: `Key “${key.label}” created`, text: `Key id ${key.keyId}` });
        closeDialog();
      },
      () => {
        passphrase = '';
        confirmPassphrase = '';
        pass.current?.focus();
      },
    );
  };

  return (
    <Dialog
      title="Create key"
      onClose={closeDialog}
      description="An Ed25519 software key, kept encrypted in this workspace's keystore under the passphrase you choose. You type the passphrase again each time the key signs."
    >
      <form aria-label="Create key" onSubmit={(e) => void submit(e)} className="form">
        <div className="field">
          <label htmlFor={`${id}-label`}>Label</label>
          <input id={`${id}-label`} value={label} onChange={(e) => setLabel(e.target.value)} required maxLength={64} autoFocus autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-pass`}>Passphrase</label>
          <input id={`${id}-pass`} ref={pass} type="password" required autoComplete="new-password" aria-describedby={`${id}-pass-hint`} />
          <span id={`${id}-pass-hint`} className="field-hint">
            At least 8 characters. It is not stored anywhere: if you lose it, the key cannot sign.
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-confirm`}>Confirm passphrase</label>
          <input id={`${id}-confirm`} ref={confirm} type="password" required autoComplete="new-password" />
        </div>
        {error ? <ErrorAlert error={error} title="The key was not created" /> : null}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
