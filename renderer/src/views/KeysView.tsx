import { useState } from 'react';
import type { KeyView, SerializedError } from '../../../core/contract/index.js';
import { client } from '../client.js';
import { Empty, ErrorAlert, formatTime, Hash, Loading } from '../components/common.js';
import { notify, openDialog, refreshKeys, useStore } from '../store.js';
import { toSerializedError } from '../transport/index.js';

const STATUS_TEXT: Record<KeyView['onChain'], string> = {
  unregistered: 'Not registered',
  active: 'Active',
  quarantined: 'Quarantined',
  revoked: 'Revoked',
  retired: 'Retired',
  unknown: 'Unknown (node unreachable)',
};

function RegisterButton({ k }: { k: KeyView }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SerializedError | null>(null);
  return (
    <>
      <button
        type="button"
        className="button button-small"
        disabled={busy}
        aria-label={`Register ${k.label} on chain`}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            const out = await client().call('keys.register', { keyId: k.keyId });
            notify({ kind: 'info', title: `Key “${k.label}” registered on chain`, text: `In block ${out.height}.` });
            void refreshKeys();
          } catch (e) {
            setError(toSerializedError(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Registering…' : 'Register on chain'}
      </button>
      {error ? <ErrorAlert error={error} title={`${k.label} was not registered`} /> : null}
    </>
  );
}

export function KeysView() {
  const keys = useStore((s) => s.keys);
  const error = useStore((s) => s.errors.keys);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Keys</h1>
          <p className="page-sub">Ed25519 software keys, encrypted in this workspace's keystore. HSM and Ledger keys arrive with issue 5.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => openDialog({ kind: 'createKey' })}>
          Create key
        </button>
      </header>
      {error ? <ErrorAlert error={error} title="Keys could not be listed" /> : null}
      {keys === null && !error ? <Loading what="keys" /> : null}
      {keys && keys.length === 0 ? <Empty>No keys yet. Create three to set up a 2-of-3 vault.</Empty> : null}
      {keys && keys.length > 0 ? (
        <table className="table" aria-label="Keys">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Key id</th>
              <th scope="col">Public key</th>
              <th scope="col">Created</th>
              <th scope="col">On chain</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.keyId}>
                <th scope="row">{k.label}</th>
                <td>
                  <Hash value={k.keyId} />
                </td>
                <td>
                  <Hash value={k.publicKey} />
                </td>
                <td>{formatTime(k.createdAt)}</td>
                <td>
                  <span className={`chip chip-${k.onChain}`}>{STATUS_TEXT[k.onChain]}</span>
                </td>
                <td className="actions">{k.onChain === 'unregistered' ? <RegisterButton k={k} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className="page-note">
        Keys chosen as vault approvers are registered on chain when the vault is created.
      </p>
    </div>
  );
}
