import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { AttestationOutcome, DeviceView, EmergencyControlView, KeyView } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { CopyButton, Dialog, ErrorAlert, Hash } from '../../../common/ui.js';
import { SecretField, type BackendKind } from '../../../common/SecretField.js';
import { closeDialog, notify, openDialog, refreshKeys, useStore } from '../../../store.js';
import type { KeyAction } from '../types.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { takeSecret } from '../../../common/secret.js';

const SCHEMES: Record<BackendKind, KeyView['scheme'][]> = {
  software: ['ed25519', 'p256', 'secp256k1'],
  pkcs11: ['p256', 'secp256k1', 'ed25519'],
  ledger: ['secp256k1'],
};
const ROLES = ['initiator', 'approver', 'attester', 'custodian', 'governance', 'operator', 'auditor'] as const;
const BACKEND_TEXT: Record<BackendKind, string> = { software: 'Software keystore', pkcs11: 'PKCS#11 token (HSM)', ledger: 'Ledger device' };
const SCHEME_TEXT: Record<KeyView['scheme'], string> = { ed25519: 'Ed25519', p256: 'ECDSA P-256', secp256k1: 'ECDSA secp256k1' };
const TITLES: Record<KeyAction, string> = {
  generate: 'Generate key',
  register: 'Register key on chain',
  attest: 'Re-attest key',
  roles: 'Set key roles',
  rotate: 'Rotate key',
  retire: 'Retire key',
  revoke: 'Emergency revoke',
};

/** The attestation record just read from the device: its hash (the on-chain reference) and content. */
function AttestationFacts({ a }: { a: AttestationOutcome }) {
  return (
    <section aria-label="Attestation record" className="page-section">
      <dl className="facts">
        <dt>Reference</dt>
        <dd>
          <code className="break">{a.ref}</code> <CopyButton text={a.ref} label="Copy attestation reference" />
        </dd>
        <dt>Kept at</dt>
        <dd>
          <code className="break">{a.artifact}</code>
        </dd>
      </dl>
      <details>
        <summary>Record read from the device</summary>
        <pre className="json" tabIndex={0} aria-label="Attestation record JSON">
          {JSON.stringify(a.record, null, 2)}
        </pre>
      </details>
    </section>
  );
}

function GenerateForm() {
  const id = useId();
  const devices = useStore((s) => s.devices);
  const available = useMemo(() => {
    const kinds = new Set((devices ?? []).map((d) => d.backend));
    kinds.add('software');
    return (['software', 'pkcs11', 'ledger'] as BackendKind[]).filter((k) => kinds.has(k));
  }, [devices]);
  const [backend, setBackend] = useState<BackendKind>('software');
  const [scheme, setScheme] = useState<KeyView['scheme']>('ed25519');
  const [label, setLabel] = useState('');
  const [deviceId, setDeviceId] = useState('');
  const [path, setPath] = useState("m/44'/60'/0'/0/0");
  const secret = useRef<HTMLInputElement>(null);
  const confirm = useRef<HTMLInputElement>(null);
  const { busy, error, setError, run } = useSubmit();
  const [done, setDone] = useState<{ key: KeyView; attestation: AttestationOutcome } | null>(null);
  const ofBackend: DeviceView[] = (devices ?? []).filter((d) => d.backend === backend);

  const chooseBackend = (b: BackendKind) => {
    setBackend(b);
    setScheme(SCHEMES[b][0]!);
    setDeviceId('');
    setError(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    let value = backend === 'ledger' ? '' : takeSecret(secret);
    if (backend === 'software') {
      const again = takeSecret(confirm);
      if (value !== again) {
        value = '';
        setError({ code: 'INVALID_INPUT', message: 'The two passphrases are not the same.', hint: 'Type the same passphrase in both fields.' });
        secret.current?.focus();
        return;
      }
    }
    await run(
      async () => {
        const out = await client().call('keys.generate', {
          backend,
          scheme,
          label,
          ...(deviceId ? { deviceId } : {}),
          ...(backend === 'ledger' ? { path } : {}),
          ...(value ? { secret: value } : {}),
        });
        value = '';
        setDone(out);
        void refreshKeys();
        notify({
          kind: 'info',
          title: `Key “${out.key.label}” generated`,
          text: `${SCHEME_TEXT[out.key.scheme]} on ${out.key.deviceId}; key id ${out.key.keyId}`,
        });
      },
      () => {
        value = '';
        secret.current?.focus();
      },
    );
  };

  if (done) {
    return (
      <div className="form">
        <p role="status">
          Generated “{done.key.label}”: key id <Hash value={done.key.keyId} />, public key <Hash value={done.key.publicKey} />. Next: register it on chain with
          this attestation as evidence.
        </p>
        <AttestationFacts a={done.attestation} />
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Close
          </button>
          <button type="button" className="button button-primary" onClick={() => openDialog({ kind: 'keyAction', action: 'register', keyId: done.key.keyId })}>
            Register on chain…
          </button>
        </div>
      </div>
    );
  }

  return (
    <form aria-label="Generate key" className="form" onSubmit={(e) => void submit(e)}>
      <fieldset className="field">
        <legend>Where the key is born</legend>
        {available.map((b) => (
          <label key={b} className="radio">
            <input type="radio" name={`${id}-backend`} value={b} checked={backend === b} onChange={() => chooseBackend(b)} /> {BACKEND_TEXT[b]}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-scheme`}>Scheme</label>
        <select id={`${id}-scheme`} value={scheme} onChange={(e) => setScheme(e.target.value as KeyView['scheme'])}>
          {SCHEMES[backend].map((s) => (
            <option key={s} value={s}>
              {SCHEME_TEXT[s]}
            </option>
          ))}
        </select>
      </div>
      {backend !== 'software' && ofBackend.length > 0 ? (
        <div className="field">
          <label htmlFor={`${id}-device`}>Device</label>
          <select id={`${id}-device`} value={deviceId} onChange={(e) => setDeviceId(e.target.value)}>
            <option value="">The first ready device</option>
            {ofBackend.map((d) => (
              <option key={d.deviceId} value={d.deviceId} disabled={d.state !== 'ready'}>
                {d.label} ({d.state})
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-label`}>Label</label>
        <input id={`${id}-label`} value={label} onChange={(e) => setLabel(e.target.value)} required maxLength={64} autoComplete="off" autoFocus />
      </div>
      {backend === 'ledger' ? (
        <div className="field">
          <label htmlFor={`${id}-path`}>Derivation path</label>
          <input id={`${id}-path`} value={path} onChange={(e) => setPath(e.target.value)} required autoComplete="off" />
        </div>
      ) : null}
      <SecretField
        backend={backend}
        inputRef={secret}
        newSecret={backend === 'software'}
        {...(backend === 'software' ? { hint: 'At least 8 characters. Not stored anywhere: if you lose it, the key cannot sign.' } : {})}
      />
      {backend === 'software' ? <SecretField backend="software" inputRef={confirm} label="Confirm passphrase" hint="Type it again." newSecret /> : null}
      {error ? <ErrorAlert error={error} title="The key was not generated" /> : null}
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={closeDialog}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Generating…' : 'Generate key'}
        </button>
      </div>
    </form>
  );
}

function KeyForm({ action, k }: { action: Exclude<KeyAction, 'generate'>; k: KeyView }) {
  const id = useId();
  const keys = useStore((s) => s.keys) ?? [];
  const secret = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useSubmit();
  const [result, setResult] = useState<string | null>(null);
  const [attestation, setAttestation] = useState<AttestationOutcome | null>(null);
  const [blocks, setBlocks] = useState(100_000);
  const [reason, setReason] = useState('');
  const [asAdmin, setAsAdmin] = useState(false);
  const [roles, setRoles] = useState<string[]>(k.roles.filter((r) => r !== 'admin'));
  const [owner, setOwner] = useState(k.owner ?? '');
  const successors = keys.filter((x) => x.keyId !== k.keyId && (x.onChain === 'active' || x.onChain === 'unregistered') && !x.rotation);
  const [newKeyId, setNewKeyId] = useState(successors[0]?.keyId ?? '');
  const operators = keys.filter((x) => x.keyId !== k.keyId && x.onChain === 'active' && x.roles.includes('operator'));
  const [signerKeyId, setSignerKeyId] = useState(operators[0]?.keyId ?? '');
  const signerKey = operators.find((x) => x.keyId === signerKeyId);
  // Register without a secret uses the record kept at generation; typing one reads a fresh record.
  const secretOptional = action === 'register';
  const needsKeySecret = action !== 'revoke' && action !== 'roles' && !(action === 'retire' && asAdmin);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    let value = needsKeySecret && k.backend !== 'ledger' ? takeSecret(secret) : '';
    let opValue = action === 'revoke' && signerKey && signerKey.backend !== 'ledger' ? takeSecret(secret) : '';
    const s = value ? { secret: value } : opValue ? { secret: opValue } : {};
    await run(
      async () => {
        switch (action) {
          case 'register': {
            const out = await client().call('keys.register', { keyId: k.keyId, revalidateInBlocks: blocks, ...s });
            setResult(
              `Registered in block ${out.height}${out.attestationRef ? ` with attestation ${out.attestationRef.slice(0, 19)}…, to re-attest by height ${out.revalidateBy}` : ' (no attestation record was kept for this key)'}.`,
            );
            break;
          }
          case 'attest': {
            const out = await client().call('keys.attest', { keyId: k.keyId, submit: true, revalidateInBlocks: blocks, ...s });
            setAttestation(out);
            setResult(`Attested on chain in block ${out.height}; re-attest by height ${out.revalidateBy}.`);
            break;
          }
          case 'roles': {
            const out = await client().call('keys.setRoles', { keyId: k.keyId, roles: roles as never, ...(owner.trim() ? { owner: owner.trim() } : {}) });
            setResult(`Roles set in block ${out.height}: ${roles.join(', ') || 'none'}.`);
            break;
          }
          case 'rotate': {
            const out = await client().call('keys.rotate', { keyId: k.keyId, newKeyId, ...s });
            setResult(
              `Hand-over signed in block ${out.height}${out.newKeyRegistered ? ' (the successor was registered first)' : ''}. Governance must approve it: proposal ${out.proposalId} is open in the Governance view.`,
            );
            break;
          }
          case 'retire': {
            const out = await client().call('keys.retire', { keyId: k.keyId, reason, asAdmin, ...s });
            setResult(`Retired in block ${out.height}.`);
            break;
          }
          case 'revoke': {
            const out = await client().call('keys.revoke', { keyId: k.keyId, reason, signerKeyId, ...s });
            const c: EmergencyControlView = out.control;
            setResult(
              c.status === 'collecting'
                ? `Emergency control ${c.controlId}: ${c.signatures.length} of ${c.quorum} operator signatures. Another operator must co-sign.`
                : `Emergency control ${c.controlId} is ${c.status}: the key is revoked. Governance must ratify it by height ${c.ratifyBy} (propose emergency.ratify), or it lapses.`,
            );
            break;
          }
        }
        value = '';
        opValue = '';
        void refreshKeys();
        notify({ kind: 'info', title: `${TITLES[action]}: “${k.label}”`, text: 'Done; see the audit log.' });
      },
      () => {
        value = '';
        opValue = '';
        secret.current?.focus();
      },
    );
  };

  if (result) {
    return (
      <div className="form">
        <p role="status">{result}</p>
        {attestation ? <AttestationFacts a={attestation} /> : null}
        <div className="form-actions">
          <button type="button" className="button button-primary" onClick={closeDialog}>
            Close
          </button>
        </div>
      </div>
    );
  }

  return (
    <form aria-label={TITLES[action]} className="form" onSubmit={(e) => void submit(e)}>
      <p>
        Key “{k.label}” (<Hash value={k.keyId} />, {SCHEME_TEXT[k.scheme]}, {BACKEND_TEXT[k.backend]}).
      </p>
      {action === 'register' || action === 'attest' ? (
        <div className="field">
          <label htmlFor={`${id}-blocks`}>Re-attest within (blocks)</label>
          <input id={`${id}-blocks`} type="number" min={1} max={10_000_000} value={blocks} onChange={(e) => setBlocks(Number(e.target.value))} required />
          <span className="field-hint">After this deadline the key's approvals stop counting until it is attested again.</span>
        </div>
      ) : null}
      {action === 'roles' ? (
        <>
          <fieldset className="field">
            <legend>Roles</legend>
            {ROLES.map((r) => (
              <label key={r} className="checkbox">
                <input
                  type="checkbox"
                  checked={roles.includes(r)}
                  onChange={(e) => setRoles((cur) => (e.target.checked ? [...cur, r] : cur.filter((x) => x !== r)))}
                />{' '}
                {r}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor={`${id}-owner`}>Owner</label>
            <input
              id={`${id}-owner`}
              value={owner}
              onChange={(e) => setOwner(e.target.value)}
              maxLength={64}
              autoComplete="off"
              aria-describedby={`${id}-owner-hint`}
            />
            <span id={`${id}-owner-hint`} className="field-hint">
              The person or organisation holding the key (no spaces); empty: the key is its own owner.
            </span>
          </div>
        </>
      ) : null}
      {action === 'rotate' ? (
        <div className="field">
          <label htmlFor={`${id}-new`}>Successor key</label>
          <select id={`${id}-new`} value={newKeyId} onChange={(e) => setNewKeyId(e.target.value)} required>
            {successors.length === 0 ? <option value="">No key can take over: generate one first</option> : null}
            {successors.map((x) => (
              <option key={x.keyId} value={x.keyId}>
                {x.label} ({x.backend}, {x.onChain})
              </option>
            ))}
          </select>
          <span className="field-hint">
            “{k.label}” signs the hand-over; an operational proposal asks governance to approve it. An unregistered successor is registered with its
            attestation.
          </span>
        </div>
      ) : null}
      {action === 'retire' || action === 'revoke' ? (
        <div className="field">
          <label htmlFor={`${id}-reason`}>Reason</label>
          <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={256} autoComplete="off" />
        </div>
      ) : null}
      {action === 'retire' ? (
        <label className="checkbox">
          <input type="checkbox" checked={asAdmin} onChange={(e) => setAsAdmin(e.target.checked)} /> Sign as the devnet admin instead of the key itself
        </label>
      ) : null}
      {action === 'revoke' ? (
        <div className="field">
          <label htmlFor={`${id}-op`}>Operator key</label>
          <select id={`${id}-op`} value={signerKeyId} onChange={(e) => setSignerKeyId(e.target.value)} required>
            {operators.length === 0 ? <option value="">No local key holds the operator role</option> : null}
            {operators.map((x) => (
              <option key={x.keyId} value={x.keyId}>
                {x.label} ({x.owner ?? 'own owner'})
              </option>
            ))}
          </select>
          <span className="field-hint">
            The revocation takes effect when operators of distinct owners reach the emergency quorum; governance then ratifies it.
          </span>
        </div>
      ) : null}
      {needsKeySecret ? (
        <SecretField
          backend={k.backend}
          inputRef={secret}
          required={!secretOptional}
          autoFocus={action !== 'retire'}
          {...(secretOptional
            ? { hint: 'Optional: unlock the key to read a fresh attestation record from the device; empty uses the record kept at generation.' }
            : {})}
        />
      ) : null}
      {action === 'revoke' && signerKey ? (
        <SecretField backend={signerKey.backend} inputRef={secret} label={signerKey.backend === 'pkcs11' ? 'Operator token PIN' : 'Operator passphrase'} />
      ) : null}
      {error ? <ErrorAlert error={error} title={`${TITLES[action]} failed`} /> : null}
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={closeDialog}>
          Cancel
        </button>
        <button
          type="submit"
          className={`button ${action === 'revoke' || action === 'retire' ? 'button-danger' : 'button-primary'}`}
          disabled={busy || (action === 'rotate' && !newKeyId) || (action === 'revoke' && !signerKeyId)}
        >
          {busy ? 'Working…' : TITLES[action]}
        </button>
      </div>
    </form>
  );
}

export function KeyActionDialog({ action, keyId }: { action: KeyAction; keyId?: string }) {
  const keys = useStore((s) => s.keys);
  const k = keyId ? keys?.find((x) => x.keyId === keyId) : undefined;
  const descriptions: Record<KeyAction, string> = {
    generate:
      'A new key on the software keystore, a PKCS#11 token or a Ledger. Its attestation record — public facts read back from the device — is kept in the workspace as evidence.',
    register:
      'Registers the key on chain (signed by the devnet admin) and records the sha256 of its attestation record as evidence, with a re-validation deadline.',
    attest: 'Reads a fresh attestation record from the device and records it on chain with a new re-validation deadline.',
    roles: "Sets the key's on-chain roles and owner (signed by the devnet admin). Keys of one owner count once toward a threshold or quorum.",
    rotate:
      'Hands this key over to a successor. The old key signs the hand-over; governance approves it; then vault policies name the new key and this one retires.',
    retire: 'Retires the key for good: it can no longer sign or approve.',
    revoke: 'Emergency revocation by an operator quorum, for a key that may be compromised. Governance must ratify it within the ratification window.',
  };
  return (
    <Dialog title={TITLES[action]} onClose={closeDialog} description={descriptions[action]}>
      {action === 'generate' ? (
        <GenerateForm />
      ) : k ? (
        <KeyForm action={action} k={k} />
      ) : (
        <p>That key is not in this console's key list (yet). Refresh the Keys view.</p>
      )}
    </Dialog>
  );
}
