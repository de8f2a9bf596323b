import { useId, useState, type FormEvent } from 'react';
import { client } from '../../../common/client.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { Dialog, ErrorAlert } from '../../../common/ui.js';
import { closeDialog, notify, refreshCustody, useStore } from '../../../store.js';
import { amountInUnits, ASSET_DECIMALS, assetDecimals, formatAmount, groupDigits } from '../../../common/amounts.js';

export function FundVaultDialog({ initialVault }: { initialVault?: string }) {
  const id = useId();
  const vaults = useStore((s) => s.vaults);
  const [chosenVault, setVaultId] = useState(initialVault ?? '');
  const vaultId = chosenVault || vaults?.[0]?.vaultId || '';
  const [asset, setAsset] = useState('');
  const [amount, setAmount] = useState('');
  const { busy, error, run } = useSubmit();
  // Suggested assets: what the chosen vault holds already, then the assets whose decimals the console knows.
  const heldAssets = Object.keys(vaults?.find((v) => v.vaultId === vaultId)?.balances ?? {});
  const suggested = [...heldAssets, ...Object.keys(ASSET_DECIMALS).filter((a) => !heldAssets.includes(a))];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    await run(async () => {
      const out = await client().call('custody.fundVault', { vaultId, asset: asset.trim(), amount: amount.trim() });
      void refreshCustody();
      notify({
        kind: 'info',
        title: `Vault “${out.vault.name}” funded`,
        text: `${formatAmount(amount.trim(), asset.trim())} credited in block ${out.height}; balance ${formatAmount(out.vault.balances[asset.trim()] ?? '0', asset.trim())}.`,
      });
      closeDialog();
    });
  };

  return (
    <Dialog title="Fund vault" onClose={closeDialog} description="Devnet faucet: credits the vault with an asset. Real chains have no faucet.">
      <form aria-label="Fund vault" className="form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-vault`}>Vault</label>
          <select id={`${id}-vault`} value={vaultId} required onChange={(e) => setVaultId(e.target.value)} autoFocus={!initialVault}>
            {vaults && vaults.length === 0 ? <option value="">No vaults yet</option> : null}
            {(vaults ?? []).map((v) => (
              <option key={v.vaultId} value={v.vaultId}>
                {v.name} ({v.vaultId})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-asset`}>Asset</label>
          <input
            id={`${id}-asset`}
            value={asset}
            list={`${id}-assets`}
            placeholder="e.g. USDC"
            required
            autoComplete="off"
            spellCheck={false}
            autoFocus={Boolean(initialVault)}
            data-autofocus={initialVault ? '' : undefined}
            aria-describedby={`${id}-asset-hint`}
            onChange={(e) => setAsset(e.target.value.toUpperCase())}
          />
          <datalist id={`${id}-assets`}>
            {suggested.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <span id={`${id}-asset-hint`} className="field-hint">
            A symbol of 1–16 characters: A–Z, 0–9, “.” or “-”.
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-amount`}>Amount (base units)</label>
          <input
            id={`${id}-amount`}
            value={amount}
            required
            inputMode="numeric"
            autoComplete="off"
            aria-describedby={`${id}-amount-hint`}
            onChange={(e) => setAmount(e.target.value)}
          />
          <span id={`${id}-amount-hint`} className="field-hint">
            {/^[1-9][0-9]*$/.test(amount.trim()) && assetDecimals(asset.trim()) !== null
              ? `= ${amountInUnits(amount.trim(), asset.trim())} ${asset.trim()}`
              : /^[1-9][0-9]*$/.test(amount.trim()) && asset.trim()
                ? `= ${groupDigits(amount.trim())} base units of ${asset.trim()} (the console knows no decimals for ${asset.trim()})`
                : "A whole number of base units (the chain's smallest unit of the asset)."}
          </span>
        </div>
        {error ? <ErrorAlert error={error} title="The vault was not funded" /> : null}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || !vaultId}>
            {busy ? 'Funding…' : 'Fund vault'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
