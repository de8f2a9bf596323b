import { useEffect, useId, useState, type FormEvent } from 'react';
import type { DeviceView, KeyView, SerializedError } from '../../../core/contract/index.js';
import { downloadFile } from '../actions.js';
import { client } from '../client.js';
import { Empty, ErrorAlert, formatTime, Hash, Loading, MenuButton } from '../components/common.js';
import { notify, openDialog, refreshKeys, useStore } from '../store.js';
import { exportKey, keyActionsFor } from './keyActions.js';
import { toSerializedError } from '../transport/index.js';

/** Which device backends the console uses: PKCS#11 module paths and Ledger, applied at once. */
function BackendSettings() {
  const id = useId();
  const [modules, setModules] = useState('');
  const [ledger, setLedger] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SerializedError | null>(null);
  useEffect(() => {
    let live = true;
    client()
      .call('settings.get', {})
      .then((s) => {
        if (!live) return;
        setModules((s.pkcs11Modules ?? []).join('\n'));
        setLedger(s.ledgerEnabled ?? false);
      })
      .catch((e: unknown) => live && setError(toSerializedError(e)));
    return () => {
      live = false;
    };
  }, []);
  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const paths = modules.split('\n').map((m) => m.trim()).filter(Boolean);
      await client().call('settings.set', { pkcs11Modules: paths, ledgerEnabled: ledger });
      notify({ kind: 'info', title: 'Key backends applied', text: `${paths.length} PKCS#11 module(s); Ledger ${ledger ? 'on' : 'off'}.` });
      void refreshKeys();
    } catch (err) {
      setError(toSerializedError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="page-section">
      <summary>Key backends</summary>
      <form aria-label="Key backends" className="form" onSubmit={(e) => void apply(e)}>
        <div className="field">
          <label htmlFor={`${id}-mods`}>PKCS#11 modules</label>
          <textarea id={`${id}-mods`} rows={3} value={modules} onChange={(e) => setModules(e.target.value)} aria-describedby={`${id}-mods-hint`} spellCheck={false} />
          <span id={`${id}-mods-hint`} className="field-hint">
            One module (shared library) path per line, e.g. /usr/lib/softhsm/libsofthsm2.so. $CHARTER_PKCS11_MODULE adds more.
          </span>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={ledger} onChange={(e) => setLedger(e.target.checked)} /> Use Ledger devices
        </label>
        {error ? <ErrorAlert error={error} title="Key backends not applied" /> : null}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Applying…' : 'Apply key backends'}
          </button>
        </div>
      </form>
    </details>
  );
}

const STATUS_TEXT: Record<KeyView['onChain'], string> = {
  unregistered: 'Not registered',
  active: 'Active',
  quarantined: 'Quarantined',
  revoked: 'Revoked',
  retired: 'Retired',
  unknown: 'Unknown (node unreachable)',
};
const DEVICE_STATE_TEXT: Record<DeviceView['state'], string> = {
  ready: 'Ready',
  locked: 'Locked',
  'pin-locked': 'PIN locked',
  'wrong-app': 'Wrong app open',
  'no-permission': 'No permission',
  absent: 'Absent',
  error: 'Error',
};
const BACKEND_TEXT: Record<KeyView['backend'], string> = { software: 'Software', pkcs11: 'PKCS#11', ledger: 'Ledger' };
const SCHEME_TEXT: Record<KeyView['scheme'], string> = { ed25519: 'Ed25519', p256: 'P-256', secp256k1: 'secp256k1' };

function KeyActions({ k }: { k: KeyView }) {
  const items = keyActionsFor(k).map((a) => ({
    text: a.text,
    ...(a.danger ? { danger: true } : {}),
    run: () => (a.id === 'export' ? void exportKey(k) : openDialog({ kind: 'keyAction', action: a.id, keyId: k.keyId })),
  }));
  if (items.length === 0) return null;
  return <MenuButton label={`Actions for ${k.label}`} text="Actions" items={items} />;
}

function Deadline({ k }: { k: KeyView }) {
  if (k.revalidateBy === null) return <span>—</span>;
  return (
    <span className={k.revalidationDue ? 'chip chip-due' : undefined}>
      {k.revalidationDue ? `Overdue (height ${k.revalidateBy})` : `Height ${k.revalidateBy}`}
    </span>
  );
}

function Lifecycle({ k }: { k: KeyView }) {
  const bits: string[] = [];
  if (k.rotation?.to) bits.push(k.rotation.pending ? `hands over to ${k.rotation.to.slice(0, 8)}… (awaiting governance)` : `rotated to ${k.rotation.to.slice(0, 8)}…`);
  if (k.rotation?.from) bits.push(`successor of ${k.rotation.from.slice(0, 8)}…`);
  if (k.ended) bits.push(`${k.ended.reason} at height ${k.ended.height}`);
  return bits.length ? <span className="field-hint">{bits.join('; ')}</span> : null;
}

function DevicesTable({ devices }: { devices: DeviceView[] }) {
  return (
    <table className="table" aria-label="Devices">
      <thead>
        <tr>
          <th scope="col">Device</th>
          <th scope="col">Backend</th>
          <th scope="col">State</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {devices.map((d) => (
          <tr key={d.deviceId}>
            <th scope="row">
              <span className="truncate" title={d.label}>
                {d.label}
              </span>
            </th>
            <td>{BACKEND_TEXT[d.backend]}</td>
            <td>
              <span className={`chip chip-${d.state}`}>{DEVICE_STATE_TEXT[d.state]}</span>
            </td>
            <td>
              {d.detail ? <span role={d.state === 'ready' ? undefined : 'note'}>{d.detail}</span> : null}
              {Object.keys(d.facts).length > 0 ? (
                <span className="field-hint">
                  {' '}
                  {Object.entries(d.facts)
                    .filter(([k]) => k !== 'code')
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(' · ')}
                </span>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function KeysView() {
  const keys = useStore((s) => s.keys);
  const devices = useStore((s) => s.devices);
  const problems = useStore((s) => s.keyProblems);
  const error = useStore((s) => s.errors.keys);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Keys &amp; Devices</h1>
          <p className="page-sub">
            Keys of the software keystore, PKCS#11 tokens and Ledger devices, with their on-chain lifecycle: generate → register with an attestation record → rotate → retire, and emergency revoke.
          </p>
        </div>
        <div className="button-row">
          <button type="button" className="button button-secondary" onClick={() => openDialog({ kind: 'createKey' })}>
            Create key
          </button>
          <button type="button" className="button button-secondary" onClick={() => openDialog({ kind: 'importKey' })}>
            Import key file
          </button>
          <button type="button" className="button button-primary" onClick={() => openDialog({ kind: 'keyAction', action: 'generate' })}>
            Generate key
          </button>
        </div>
      </header>
      {error ? <ErrorAlert error={error} title="Keys could not be listed" /> : null}
      {problems.map((p, i) => (
        <ErrorAlert key={i} error={{ code: p.code as never, message: p.message, hint: `The ${p.backend} backend could not list its keys; the others are shown.` }} title={`${p.backend} keys`} />
      ))}

      <section className="page-section" aria-labelledby="keys-devices-h">
        <h2 id="keys-devices-h">Devices</h2>
        {devices === null && !error ? <Loading what="devices" /> : null}
        {devices && devices.length > 0 ? <DevicesTable devices={devices} /> : null}
        <BackendSettings />
      </section>

      <section className="page-section" aria-labelledby="keys-keys-h">
        <h2 id="keys-keys-h">Keys</h2>
        {keys === null && !error ? <Loading what="keys" /> : null}
        {keys && keys.length === 0 ? <Empty>No keys yet. Create three to set up a 2-of-3 vault.</Empty> : null}
        {keys && keys.length > 0 ? (
          <table className="table table-keys" aria-label="Keys">
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Key id</th>
                <th scope="col">Scheme</th>
                <th scope="col">Backend</th>
                <th scope="col">Public key</th>
                <th scope="col">Created</th>
                <th scope="col">On chain</th>
                <th scope="col">Roles</th>
                <th scope="col">Re-attest by</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.keyId}>
                  <th scope="row">
                    <span className="truncate" title={k.label}>
                      {k.label}
                    </span>
                  </th>
                  <td>
                    <Hash value={k.keyId} />
                  </td>
                  <td>{SCHEME_TEXT[k.scheme]}</td>
                  <td title={k.deviceId}>{BACKEND_TEXT[k.backend]}</td>
                  <td>
                    <Hash value={k.publicKey} />
                  </td>
                  <td>{formatTime(k.createdAt)}</td>
                  <td>
                    <span className={`chip chip-${k.onChain}`}>{STATUS_TEXT[k.onChain]}</span>
                    <Lifecycle k={k} />
                  </td>
                  <td>{k.roles.length ? k.roles.join(', ') : '—'}</td>
                  <td>
                    <Deadline k={k} />
                  </td>
                  <td className="actions">
                    <KeyActions k={k} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <p className="page-note">
        Keys chosen as vault approvers are registered on chain when the vault is created. Rotations wait for a governance vote (Governance view); an emergency revocation for the operator quorum and then governance ratification.
      </p>
    </div>
  );
}
