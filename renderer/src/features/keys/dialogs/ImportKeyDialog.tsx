import { useId, useRef, useState, type FormEvent } from 'react';
import { client } from '../../../common/client.js';
import { Dialog, ErrorAlert } from '../../../common/ui.js';
import { closeDialog, notify, refreshKeys } from '../../../store.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { takeSecret } from '../../../common/secret.js';

/** Largest key file the keystore accepts (docs/formats/keystore.md). */
const MAX_FILE_BYTES = 64 * 1024;

/**
 * Import a software key file: a Web3 Secret Storage v3 file (secp256k1, from
 * geth, MyEtherWallet, ethers…) or a charter-keystore/v1 file exported by a
 * console. The passphrase is read from its field once and not kept.
 */
export function ImportKeyDialog() {
  const id = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const pass = useRef<HTMLInputElement>(null);
  const [label, setLabel] = useState('');
  const { busy, error, setError, run } = useSubmit();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const file = fileRef.current?.files?.[0];
    if (!file) {
      setError({ code: 'INVALID_INPUT', message: 'Choose a key file.', hint: 'A Web3 Secret Storage v3 (UTC--…) or charter-keystore/v1 JSON file.' });
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      setError({ code: 'KEYSTORE_CORRUPT', message: `${file.name} is larger than 64 KiB: not a key file.`, hint: 'Choose the JSON key file itself.' });
      return;
    }
    let passphrase = takeSecret(pass);
    await run(
      async () => {
        const fileText = await file.text();
        const trimmed = label.trim();
        const key = await client().call('keys.import', { fileText, passphrase, ...(trimmed ? { label: trimmed } : {}) });
        passphrase = '';
        void refreshKeys();
        notify({ kind: 'info', title: `Key “${key.label}” imported`, text: `${key.scheme} key ${key.keyId}` });
        closeDialog();
      },
      () => {
        passphrase = '';
        pass.current?.focus();
      },
    );
  };

  return (
    <Dialog
      title="Import key file"
      onClose={closeDialog}
      description="A Web3 Secret Storage v3 file (secp256k1) or a charter-keystore/v1 file (Ed25519, P-256). The file stays encrypted under its passphrase; the passphrase is checked now and not stored."
    >
      <form aria-label="Import key file" onSubmit={(e) => void submit(e)} className="form">
        <div className="field">
          <label htmlFor={`${id}-file`}>Key file</label>
          <input id={`${id}-file`} ref={fileRef} type="file" required autoFocus />
        </div>
        <div className="field">
          <label htmlFor={`${id}-pass`}>Passphrase</label>
          <input id={`${id}-pass`} ref={pass} type="password" required autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-label`}>Label</label>
          <input
            id={`${id}-label`}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            maxLength={64}
            autoComplete="off"
            aria-describedby={`${id}-label-hint`}
          />
          <span id={`${id}-label-hint`} className="field-hint">
            Optional, for Web3 files (default: the file's own label or its address). A charter-keystore file keeps its label.
          </span>
        </div>
        {error ? <ErrorAlert error={error} title="The key was not imported" /> : null}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Importing…' : 'Import key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
