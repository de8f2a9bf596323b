import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { amountInUnits, assetDecimals, baseUnitsTitle, formatAmount } from '../../../common/amounts.js';
import { amountProblem, initiatorIneligibility } from '../../../common/custodyRules.js';
import { client } from '../../../common/client.js';
import { Dialog, ErrorAlert } from '../../../common/ui.js';
import { closeDialog, keyName, notify, openDialog, refreshCustody, useStore } from '../../../store.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { takeSecret } from '../../../common/secret.js';
import { addressName, refreshAddresses, useWorkspaceData } from '../../../common/workspaceData.js';

export function WithdrawDialog({ initialVault }: { initialVault?: string }) {
  const id = useId();
  const vaults = useStore((s) => s.vaults);
  const keys = useStore((s) => s.keys);
  const [chosenVault, setVaultId] = useState(initialVault ?? '');
  const vaultId = chosenVault || vaults?.[0]?.vaultId || '';
  const vault = vaults?.find((v) => v.vaultId === vaultId);
  const held = Object.entries(vault?.balances ?? {});
  const [asset, setAsset] = useState('');
  const [amount, setAmount] = useState('');
  const [destination, setDestination] = useState('');
  const [memo, setMemo] = useState('');
  const [chosenKey, setKeyId] = useState('');
  const pass = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useSubmit();
  const addresses = useWorkspaceData((s) => s.addresses);
  useEffect(() => {
    void refreshAddresses();
  }, []);

  // Only keys that may initiate can be chosen (the others are listed, disabled, with why); an approver of the vault is suggested.
  const initiators = (keys ?? []).map((k) => ({ key: k, why: initiatorIneligibility(k) }));
  const able = initiators.filter((x) => x.why === null).map((x) => x.key);
  const defaultKey = able.find((k) => vault?.policy.approvers.includes(k.keyId))?.keyId ?? able[0]?.keyId ?? '';
  const keyId = chosenKey && able.some((k) => k.keyId === chosenKey) ? chosenKey : defaultKey;
  const keyBackend = (keys ?? []).find((k) => k.keyId === keyId)?.backend ?? 'software';
  const assetValue = asset || (held.length === 1 ? (held[0]?.[0] ?? '') : '');
  const problem = vault ? amountProblem(amount, assetValue.trim(), vault.balances) : null;
  const named = addressName(addresses, destination.trim());
  const amountOk = /^[1-9][0-9]*$/.test(amount.trim());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || problem) return;
    let passphrase: string | undefined = keyBackend === 'ledger' ? undefined : takeSecret(pass);
    await run(
      async () => {
        const out = await client().call('custody.createWithdrawal', {
          vaultId,
          asset: assetValue.trim(),
          amount: amount.trim(),
          destination: destination.trim(),
          memo,
          keyId,
          ...(passphrase ? { passphrase } : {}),
        });
        passphrase = '';
        void refreshCustody();
        notify({
          kind: 'info',
          title: 'Withdrawal requested',
          text: `${formatAmount(out.request.amount, out.request.asset)} to ${out.request.destination}, in block ${out.height}. It needs ${out.request.threshold} approvals.`,
        });
        closeDialog();
      },
      () => {
        passphrase = '';
      },
    );
  };

  return (
    <Dialog
      title="New withdrawal"
      onClose={closeDialog}
      description="The initiator key signs the request; it executes once the vault's approvers have approved it."
    >
      <form aria-label="New withdrawal" className="form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-vault`}>Vault</label>
          <select id={`${id}-vault`} value={vaultId} required onChange={(e) => setVaultId(e.target.value)} autoFocus>
            {vaults && vaults.length === 0 ? <option value="">No vaults yet</option> : null}
            {(vaults ?? []).map((v) => (
              <option key={v.vaultId} value={v.vaultId}>
                {v.name} ({v.vaultId})
              </option>
            ))}
          </select>
          {vault ? (
            <span className="field-hint">
              Holds {held.length === 0 ? 'nothing yet' : held.map(([a, n]) => formatAmount(n, a)).join(', ')} · policy {vault.policy.threshold} of{' '}
              {vault.policy.approvers.length}
            </span>
          ) : null}
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-asset`}>Asset</label>
            <input
              id={`${id}-asset`}
              value={assetValue}
              list={`${id}-assets`}
              required
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setAsset(e.target.value.toUpperCase())}
            />
            <datalist id={`${id}-assets`}>
              {held.map(([a]) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor={`${id}-amount`}>Amount (base units)</label>
            <input
              id={`${id}-amount`}
              value={amount}
              required
              inputMode="numeric"
              autoComplete="off"
              aria-invalid={problem ? true : undefined}
              aria-describedby={`${id}-amount-hint`}
              onChange={(e) => setAmount(e.target.value)}
            />
            {problem ? (
              <span id={`${id}-amount-hint`} className="field-error" role="alert">
                {problem}
              </span>
            ) : (
              <span
                id={`${id}-amount-hint`}
                className="field-hint"
                title={amountOk && assetValue ? baseUnitsTitle(amount.trim(), assetValue.trim()) : undefined}
              >
                {amountOk && assetValue && assetDecimals(assetValue.trim()) !== null
                  ? `= ${amountInUnits(amount.trim(), assetValue.trim())} ${assetValue.trim()}`
                  : "A whole number of base units (the chain's smallest unit of the asset)."}
              </span>
            )}
          </div>
        </div>
        {addresses && addresses.length > 0 ? (
          <div className="field">
            <label htmlFor={`${id}-book`}>Address book</label>
            <select id={`${id}-book`} value={named ?? ''} onChange={(e) => setDestination(addresses.find((a) => a.name === e.target.value)?.destination ?? '')}>
              <option value="">— type a destination below —</option>
              {addresses.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name} ({a.destination})
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={`${id}-dest`}>Destination</label>
          <input
            id={`${id}-dest`}
            value={destination}
            required
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-dest-hint`}
            onChange={(e) => setDestination(e.target.value)}
          />
          <span id={`${id}-dest-hint`} className="field-hint">
            {named
              ? `“${named}” from the address book.`
              : `1–128 printable characters, no spaces${addresses && addresses.length > 0 ? '; or pick a named one above' : ''}. Approvals → Address book keeps named destinations.`}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-memo`}>Memo</label>
          <input id={`${id}-memo`} value={memo} maxLength={256} autoComplete="off" onChange={(e) => setMemo(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-key`}>Initiator key</label>
          <select id={`${id}-key`} value={keyId} required onChange={(e) => setKeyId(e.target.value)}>
            {keys && keys.length === 0 ? <option value="">No keys yet</option> : null}
            {keys && keys.length > 0 && able.length === 0 ? <option value="">No key can initiate</option> : null}
            {initiators.map(({ key: k, why }) => (
              <option key={k.keyId} value={k.keyId} disabled={why !== null}>
                {why ? `${k.label} — cannot initiate: ${why}` : k.label}
              </option>
            ))}
          </select>
          {keys && keys.length > 0 && able.length < keys.length ? (
            <span className="field-hint" id={`${id}-key-hint`}>
              A withdrawal is initiated by an active key with the initiator role;{' '}
              {keys.length - able.length === 1 ? 'one key is' : `${keys.length - able.length} keys are`} listed but cannot be chosen.
            </span>
          ) : null}
          {keys && keys.length === 0 ? (
            <button type="button" className="link-button" onClick={() => openDialog({ kind: 'createKey' })}>
              Create a key
            </button>
          ) : null}
        </div>
        {keyBackend === 'ledger' ? (
          <p className="field-hint" role="note">
            Ledger key: confirm on the device when it asks; no PIN is typed here.
          </p>
        ) : (
          <div className="field">
            <label htmlFor={`${id}-pass`}>{keyBackend === 'pkcs11' ? 'Initiator token PIN' : 'Initiator passphrase'}</label>
            <input id={`${id}-pass`} ref={pass} type="password" required autoComplete="current-password" aria-describedby={`${id}-pass-hint`} />
            <span id={`${id}-pass-hint`} className="field-hint">
              Unlocks {keyId ? `“${keyName(keys, keyId)}”` : 'the key'} for this one signature; it is not kept.
            </span>
          </div>
        )}
        {error ? <ErrorAlert error={error} title="The withdrawal was not requested" /> : null}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || !vaultId || !keyId || problem !== null}>
            {busy ? 'Signing…' : 'Request withdrawal'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
