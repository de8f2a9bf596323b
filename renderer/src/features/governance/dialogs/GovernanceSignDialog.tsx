import { Fragment, useId, useRef, useState, type FormEvent } from 'react';
import type { KeyView } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { Dialog, ErrorAlert, Hash } from '../../../common/ui.js';
import { SigningPreviewPanel, shownPreview, usePreview } from '../../../common/SigningPreview.js';
import { closeDialog, keyName, notify, useStore } from '../../../store.js';
import type { GovernanceSign } from '../types.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { takeSecret } from '../../../common/secret.js';
import { DEVNET_ADMIN, SignerFields } from '../../../common/SignerFields.js';
import { governanceSigned, useGovernance } from '../governanceData.js';
import { proposalFacts } from '../governanceFacts.js';

const VERB: Record<GovernanceSign['op'], string> = { vote: 'vote', execute: 'execution', propose: 'proposal' };

/** Keys that may sign governance transactions: active (or of unknown status) and holding the governance role. */
export function governanceKeys(keys: KeyView[] | null): KeyView[] {
  return (keys ?? []).filter((k) => k.roles.includes('governance') && (k.onChain === 'active' || k.onChain === 'unknown'));
}

/**
 * Confirm a governance vote, execution or proposal: who signs (the devnet
 * admin or a governance key), exactly what is signed (envelope and digest),
 * the key's passphrase where one is needed; it signs exactly the preview or nothing.
 */
export function GovernanceSignDialog({ sign }: { sign: GovernanceSign }) {
  const id = useId();
  const keys = useStore((s) => s.keys);
  const devnet = useStore((s) => s.app?.devnet ?? false);
  const members = governanceKeys(keys);
  const choices = [...(devnet ? [DEVNET_ADMIN] : []), ...members.map((k) => k.keyId)];
  const [chosen, setChosen] = useState<string | null>(null);
  const signer = chosen !== null && choices.includes(chosen) ? chosen : (choices[0] ?? null);
  const backend = (keys ?? []).find((k) => k.keyId === signer)?.backend ?? 'software';
  const pass = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useSubmit();
  const signerName = signer === DEVNET_ADMIN ? 'Devnet admin' : signer ? keyName(keys, signer) : '';
  const as = signer && signer !== DEVNET_ADMIN ? { keyId: signer } : {};

  const [preview, refetch] = usePreview(
    () =>
      client().call(
        'governance.preview',
        sign.op === 'vote'
          ? { op: 'vote', proposalId: sign.proposalId, vote: sign.vote, ...as }
          : sign.op === 'execute'
            ? { op: 'execute', proposalId: sign.proposalId, ...as }
            : { op: 'propose', track: sign.track, action: sign.action, ...as },
      ),
    [signer],
    signer !== null,
    0,
  );
  const p = shownPreview(preview);
  // A vote or an execution signs only the proposal's id: what the proposal does is shown above it.
  const proposal = useGovernance((g) => (sign.op === 'propose' ? null : (g.proposals?.find((x) => x.proposalId === sign.proposalId) ?? null)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || signer === null || !p) return;
    let passphrase: string | undefined = signer === DEVNET_ADMIN || backend === 'ledger' ? undefined : takeSecret(pass);
    const expected = { nonce: p.nonce, expiresAt: p.expiresAt, digest: p.signingDigest };
    const secret = passphrase ? { passphrase } : {};
    await run(
      async () => {
        let done: string;
        if (sign.op === 'vote') {
          const out = await client().call('governance.vote', { proposalId: sign.proposalId, vote: sign.vote, ...as, ...secret, expected });
          done = `Voted ${sign.vote} in block ${out.height}; the proposal is ${out.proposal.status}.`;
        } else if (sign.op === 'execute') {
          const out = await client().call('governance.execute', { proposalId: sign.proposalId, ...as, ...secret, expected });
          done = `Executed in block ${out.height}.`;
        } else {
          const out = await client().call('governance.propose', { track: sign.track, action: sign.action, ...as, ...secret, expected });
          done = `Proposal ${out.proposal.proposalId} in block ${out.height}; voting ends at block ${out.proposal.votingEndsAt}.`;
        }
        passphrase = '';
        governanceSigned();
        notify({ kind: 'info', title: `Signed ${VERB[sign.op]}`, text: done });
        closeDialog();
      },
      (s) => {
        passphrase = '';
        if (s.code === 'PREVIEW_STALE') refetch();
      },
    );
  };

  return (
    <Dialog title={`Sign ${VERB[sign.op]}`} onClose={closeDialog} className="dialog-sign" description={sign.title}>
      <form aria-label={`Sign ${VERB[sign.op]}`} className="form sign-columns" onSubmit={(e) => void submit(e)}>
        <div className="sign-main">
          <SignerFields
            legend="Sign as"
            empty="No governance key in this workspace, and no devnet admin: nothing here can sign this."
            choices={choices}
            signer={signer}
            onChoose={setChosen}
            describe={(c) => (c === DEVNET_ADMIN ? 'genesis governance member of the embedded devnet' : <Hash value={c} />)}
            keys={keys}
            pass={pass}
          />
          {error ? <ErrorAlert error={error} title="Not signed" /> : null}
          <div className="form-actions">
            <button type="button" className="button button-secondary" onClick={closeDialog}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={busy || signer === null || !p}>
              {busy ? 'Signing…' : `Sign ${VERB[sign.op]}`}
            </button>
          </div>
        </div>
        <div className="sign-preview">
          {sign.op !== 'propose' ? (
            <section className="field" aria-labelledby={`${id}-prop-h`}>
              <h3 id={`${id}-prop-h`} className="field-label">
                Proposal {sign.proposalId}
              </h3>
              {proposal ? (
                <dl className="facts" aria-label="What the proposal does">
                  {proposalFacts(proposal, (k) => keyName(keys, k)).map(([k, v]) => (
                    <Fragment key={k}>
                      <dt>{k}</dt>
                      <dd style={{ overflowWrap: 'anywhere' }}>{v}</dd>
                    </Fragment>
                  ))}
                </dl>
              ) : (
                <p className="field-hint">This console has not loaded the proposal; refresh the Governance view to see what it does.</p>
              )}
              <p className="field-hint">The {VERB[sign.op]} signs only the proposal id below; this is what that proposal does.</p>
            </section>
          ) : null}
          {signer !== null ? <SigningPreviewPanel preview={preview} what={VERB[sign.op]} signerName={signerName} /> : null}
        </div>
      </form>
    </Dialog>
  );
}
