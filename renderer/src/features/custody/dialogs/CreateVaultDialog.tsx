import { useId, useState, type FormEvent } from 'react';
import { client } from '../../../common/client.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { Dialog, ErrorAlert, Hash } from '../../../common/ui.js';
import { closeDialog, notify, openDialog, refreshCustody, refreshKeys, useStore } from '../../../store.js';
import { thresholdProblemOf } from '../../../common/custodyRules.js';

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
}

export function CreateVaultDialog() {
  const id = useId();
  const keys = useStore((s) => s.keys);
  const [name, setName] = useState('');
  const [vaultId, setVaultId] = useState('');
  const [idTouched, setIdTouched] = useState(false);
  const [approvers, setApprovers] = useState<string[]>([]);
  const [threshold, setThreshold] = useState(2);
  const { busy, error, run } = useSubmit();
  const thresholdProblem = thresholdProblemOf(threshold, approvers.length);
  const usable = (keys ?? []).filter((k) => k.onChain === 'unregistered' || k.onChain === 'active' || k.onChain === 'unknown');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || thresholdProblem) return;
    await run(async () => {
      const out = await client().call('custody.createVault', { vaultId, name, approvers, threshold });
      void refreshCustody();
      void refreshKeys();
      notify({
        kind: 'info',
        title: `Vault “${out.vault.name}” created`,
        text: `${out.vault.policy.threshold}-of-${out.vault.policy.approvers.length} policy, in block ${out.height}.`,
      });
      closeDialog();
    });
  };

  return (
    <Dialog
      title="Create vault"
      onClose={closeDialog}
      description="A vault holds balances; a withdrawal executes once enough of its approvers have signed. Approver keys not yet on chain are registered with the vault."
    >
      <form aria-label="Create vault" className="form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            required
            maxLength={64}
            autoFocus
            autoComplete="off"
            onChange={(e) => {
              setName(e.target.value);
              if (!idTouched) setVaultId(slug(e.target.value));
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-vid`}>Vault id</label>
          <input
            id={`${id}-vid`}
            value={vaultId}
            required
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-vid-hint`}
            onChange={(e) => {
              setIdTouched(true);
              setVaultId(e.target.value);
            }}
          />
          <span id={`${id}-vid-hint`} className="field-hint">
            2–32 characters: a–z, 0–9 and “-”. Permanent once created.
          </span>
        </div>
        <fieldset className="field">
          <legend>Approvers</legend>
          {keys === null ? <p>Loading keys…</p> : null}
          {keys && usable.length === 0 ? (
            <p className="field-hint">
              No keys in this workspace can approve yet.{' '}
              <button type="button" className="link-button" onClick={() => openDialog({ kind: 'createKey' })}>
                Create a key
              </button>
            </p>
          ) : null}
          <div className="checks">
            {usable.map((k) => (
              <div key={k.keyId} className="check">
                <input
                  type="checkbox"
                  id={`${id}-k-${k.keyId}`}
                  checked={approvers.includes(k.keyId)}
                  aria-describedby={`${id}-kd-${k.keyId}`}
                  onChange={(e) => setApprovers((a) => (e.target.checked ? [...a, k.keyId] : a.filter((x) => x !== k.keyId)))}
                />
                <label htmlFor={`${id}-k-${k.keyId}`}>{k.label}</label>
                <span id={`${id}-kd-${k.keyId}`} className="check-desc">
                  <Hash value={k.keyId} /> · {k.onChain === 'unregistered' ? 'will be registered' : k.onChain}
                </span>
              </div>
            ))}
          </div>
        </fieldset>
        <div className="field field-inline">
          <label htmlFor={`${id}-thr`}>Threshold</label>
          <input
            id={`${id}-thr`}
            type="number"
            min={1}
            max={Math.max(1, approvers.length)}
            value={threshold}
            required
            aria-describedby={`${id}-thr-hint`}
            aria-invalid={thresholdProblem ? true : undefined}
            onChange={(e) => setThreshold(Number(e.target.value))}
          />
          {thresholdProblem ? (
            <span id={`${id}-thr-hint`} className="field-error" role="alert">
              {thresholdProblem}
            </span>
          ) : (
            <span id={`${id}-thr-hint`} className="field-hint">
              {approvers.length > 0 ? `${threshold} of ${approvers.length} approvers must sign each withdrawal.` : 'Choose the approvers first.'}
            </span>
          )}
        </div>
        {error ? <ErrorAlert error={error} title="The vault was not created" /> : null}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || thresholdProblem !== null || approvers.length === 0}>
            {busy ? 'Creating…' : 'Create vault'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
