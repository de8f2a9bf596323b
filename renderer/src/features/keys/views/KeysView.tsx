import { useEffect, useId, useState, type FormEvent } from 'react';
import type { DeviceView, KeyView, Pkcs11ModuleView, SerializedError, Settings } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { Empty, ErrorAlert, formatTime, Hash, Loading, MenuButton } from '../../../common/ui.js';
import { notify, openDialog, refreshKeys, useStore } from '../../../store.js';
import { exportKey, keyActionsFor } from '../keyActions.js';
import { toSerializedError } from '../../../transport/index.js';

const SOURCE_TEXT: Record<Pkcs11ModuleView['source'], string> = {
  'command-line': 'Command line',
  environment: 'Environment',
  'config-file': 'Configuration file',
};

/** How to change a module of this source, in the operator's words. */
function howToChange(m: Pkcs11ModuleView, cfg: Settings['pkcs11Config']): string {
  if (m.source === 'command-line') return `Restart the console with other ${cfg.flag} options.`;
  if (m.source === 'environment') return `Change $${cfg.environment} in the environment the console starts in, then restart it.`;
  return `Edit ${cfg.file} with an editor, then restart the console.`;
}

/**
 * Which device backends the console uses. PKCS#11 modules are shown, not edited:
 * loading a library runs its code in the host, so they are configured outside the
 * console (command line, environment, configuration file). The Ledger switch
 * stays: it loads no library of anyone's choosing.
 */
function BackendSettings() {
  const id = useId();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [ledger, setLedger] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SerializedError | null>(null);
  useEffect(() => {
    let live = true;
    client()
      .call('settings.get', {})
      .then((s) => {
        if (!live) return;
        setSettings(s);
        setLedger(s.ledgerEnabled);
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
      const s = await client().call('settings.set', { ledgerEnabled: ledger });
      setSettings(s);
      notify({ kind: 'info', title: 'Key backends applied', text: `Ledger ${ledger ? 'on' : 'off'}.` });
      void refreshKeys();
    } catch (err) {
      setError(toSerializedError(err));
    } finally {
      setBusy(false);
    }
  };
  const cfg = settings?.pkcs11Config;
  return (
    <details className="page-section">
      <summary>Key backends</summary>
      <section aria-labelledby={`${id}-mods-h`}>
        <h3 id={`${id}-mods-h`}>PKCS#11 modules</h3>
        <p className="field-hint" id={`${id}-mods-hint`}>
          Read-only here: a module is a library the console runs, so it is configured outside the console
          {cfg ? (
            <>
              {' '}
              — in <code>{cfg.file}</code> (<code>{'{"pkcs11": {"modules": [{"path": "/usr/lib/softhsm/libsofthsm2.so"}]}}'}</code>), with{' '}
              <code>${cfg.environment}</code>, or with <code>{cfg.flag}</code>
            </>
          ) : null}
          . A module must be an absolute path to a file that only its owner (root or you) can change.
        </p>
        {cfg?.problem ? (
          <ErrorAlert
            error={{ code: cfg.problem.code as never, message: cfg.problem.message, hint: 'Fix the configuration file; until then its modules are not used.' }}
            title="Configuration file ignored"
          />
        ) : null}
        {settings && settings.pkcs11Modules.length === 0 ? <Empty>No PKCS#11 module is configured.</Empty> : null}
        {settings && settings.pkcs11Modules.length > 0 ? (
          <table className="table" aria-label="PKCS#11 modules" aria-describedby={`${id}-mods-hint`}>
            <thead>
              <tr>
                <th scope="col">Module</th>
                <th scope="col">Configured by</th>
                <th scope="col">Token</th>
                <th scope="col">State</th>
                <th scope="col">How to change it</th>
              </tr>
            </thead>
            <tbody>
              {settings.pkcs11Modules.map((m) => (
                <tr key={m.path}>
                  <th scope="row">
                    <code>{m.path}</code>
                  </th>
                  <td>
                    {SOURCE_TEXT[m.source]} <span className="field-hint">({m.origin})</span>
                  </td>
                  <td>{m.tokenLabel ?? 'any'}</td>
                  <td>{m.problem ? <span role="note">{`${m.problem.code}: ${m.problem.message}`}</span> : 'In use'}</td>
                  <td>{cfg ? howToChange(m, cfg) : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <form aria-label="Key backends" className="form" onSubmit={(e) => void apply(e)}>
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
  if (k.rotation?.to)
    bits.push(k.rotation.pending ? `hands over to ${k.rotation.to.slice(0, 8)}… (awaiting governance)` : `rotated to ${k.rotation.to.slice(0, 8)}…`);
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
            Keys of the software keystore, PKCS#11 tokens and Ledger devices, with their on-chain lifecycle: generate → register with an attestation record →
            rotate → retire, and emergency revoke.
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
        <ErrorAlert
          key={i}
          error={{ code: p.code as never, message: p.message, hint: `The ${p.backend} backend could not list its keys; the others are shown.` }}
          title={`${p.backend} keys`}
        />
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
          <table className="table table-keys table-fit" aria-label="Keys">
            <thead>
              <tr>
                <th scope="col" className="col-label">
                  Label
                </th>
                <th scope="col">Key id</th>
                <th scope="col">Scheme</th>
                <th scope="col">Backend</th>
                <th scope="col">Public key</th>
                <th scope="col" className="col-created">
                  Created
                </th>
                <th scope="col" className="col-onchain">
                  On chain
                </th>
                <th scope="col">Roles</th>
                <th scope="col">Re-attest by</th>
                <th scope="col" className="col-actions">
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
                  <td title={k.deviceId} className="clip">
                    {BACKEND_TEXT[k.backend]}
                  </td>
                  <td>
                    <Hash value={k.publicKey} />
                  </td>
                  <td className="nowrap" title={formatTime(k.createdAt)}>
                    {formatTime(k.createdAt)}
                  </td>
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
        Keys chosen as vault approvers are registered on chain when the vault is created. Rotations wait for a governance vote (Governance view); an emergency
        revocation for the operator quorum and then governance ratification.
      </p>
    </div>
  );
}
