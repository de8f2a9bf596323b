import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ProposalView, SerializedError } from '../../../../../core/contract/index.js';
import { GOV_ACTION_TRACK } from '../../../../../core/engine/types.js';
import { Empty, ErrorAlert, Hash } from '../../../common/ui.js';
import { actionProblem, tracksFor } from '../../../common/custodyRules.js';
import { onGovernanceSigned } from '../governanceData.js';
import { refreshProposals, selectProposal, useProposals } from '../governanceData.js';
import { keyName, openDialog, useStore } from '../../../store.js';
import { client } from '../../../common/client.js';
import { toSerializedError } from '../../../transport/index.js';

type ActionType = keyof typeof GOV_ACTION_TRACK;

/** Starting points for each action; the engine validates every field. */
const TEMPLATES: Record<ActionType, Record<string, unknown>> = {
  'params.set': { type: 'params.set', max_expiry_blocks: 500 },
  'validator.add': { type: 'validator.add', public_key: '<64 hex digits: Ed25519 public key>', power: 10, name: 'validator-2' },
  'validator.remove': { type: 'validator.remove', public_key: '<64 hex digits>' },
  'key.register': { type: 'key.register', public_key: '<hex public key>', scheme: 'ed25519', label: 'name' },
  'key.set_roles': { type: 'key.set_roles', key_id: '<key id>', roles: ['approver', 'initiator'] },
  'key.release': { type: 'key.release', key_id: '<key id>', reason: 'investigation closed' },
  'key.rotate_approve': { type: 'key.rotate_approve', key_id: '<old key id>' },
  'whitelist.add': { type: 'whitelist.add', vault_id: 'treasury', destination: 'acct-example' },
  'whitelist.remove': { type: 'whitelist.remove', vault_id: 'treasury', destination: 'acct-example' },
  'emergency.ratify': { type: 'emergency.ratify', control_id: '<control id>' },
  'emergency.lift': { type: 'emergency.lift', control_id: '<control id>' },
};
/** The actions the engine knows, from its track table (core/engine/types.ts GOV_ACTION_TRACK). */
const ACTION_TYPES = Object.keys(GOV_ACTION_TRACK) as ActionType[];
function chipOf(status: ProposalView['status']): string {
  return status === 'executed' ? 'executed' : status === 'open' || status === 'passed' ? 'pending' : 'failed';
}

export function GovernanceView() {
  const id = useId();
  const height = useStore((s) => s.node?.height ?? null);
  const keys = useStore((s) => s.keys);
  useStore((s) => s.app?.devnetAdminKeyId); // keyName says "Devnet admin" once the admin's id is known
  const { proposals, loadError, selected } = useProposals();
  const [actionType, setActionType] = useState<ActionType>('params.set');
  const [actionText, setActionText] = useState(JSON.stringify(TEMPLATES['params.set'], null, 2));
  const [formError, setFormError] = useState<SerializedError | null>(null);
  const detailRef = useRef<HTMLElement>(null);
  const tracks = tracksFor(actionType);

  useEffect(() => onGovernanceSigned(() => void refreshProposals()), []);
  useEffect(() => {
    if (selected) detailRef.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const chooseType = (t: ActionType) => {
    setActionType(t);
    setActionText(JSON.stringify(TEMPLATES[t], null, 2));
    setFormError(null);
  };

  const propose = (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const track = tracks[0];
    if (!track) return;
    const checked = actionProblem(actionText, actionType);
    if ('error' in checked) {
      // The host reads the same text (strict JSON, the engine's action schema) and records the refusal in the audit log;
      // its verdict is shown when it has one, else the check made here.
      void client()
        .call('governance.preview', { op: 'propose', track, actionJson: actionText })
        .then(
          () => setFormError(checked.error),
          (err: unknown) => setFormError(toSerializedError(err)),
        );
      return;
    }
    openDialog({ kind: 'governanceSign', sign: { op: 'propose', track, action: checked.action, title: `Propose ${actionType} on the ${track} track.` } });
  };

  const detail = proposals?.find((p) => p.proposalId === selected) ?? null;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Governance</h1>
          <p className="page-sub">
            Proposals on the protocol track (chain parameters) and the operational track (validators, roles, key registration and release, whitelist changes,
            emergency ratification). Members vote; a proposal passes with quorum and a two-thirds majority, then anyone executes it. Every vote, execution and
            proposal shows what is signed, and by whom, before it is signed.
          </p>
        </div>
      </header>

      <section className="page-section" aria-labelledby={`${id}-new`}>
        <h2 id={`${id}-new`}>New proposal</h2>
        <form className="form" aria-label="New proposal" onSubmit={propose}>
          <div className="field-row">
            <div className="field">
              <label htmlFor={`${id}-type`}>Action</label>
              <select id={`${id}-type`} value={actionType} onChange={(e) => chooseType(e.target.value as ActionType)}>
                {ACTION_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-track`}>Track</label>
              <select id={`${id}-track`} value={tracks[0] ?? ''} aria-describedby={`${id}-track-hint`} onChange={() => undefined}>
                {tracks.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              <span id={`${id}-track-hint`} className="field-hint">
                {actionType} belongs to the {tracks[0]} track: the engine refuses it on any other.
              </span>
            </div>
          </div>
          <div className="field">
            <label htmlFor={`${id}-json`}>Action (JSON)</label>
            <textarea id={`${id}-json`} className="json" rows={6} value={actionText} onChange={(e) => setActionText(e.target.value)} spellCheck={false} />
            <span className="field-hint">Checked against the engine's schema before signing; docs/formats/transactions.md lists each action.</span>
          </div>
          {formError ? <ErrorAlert error={formError} title="Not proposed" /> : null}
          <div className="form-actions">
            <button type="submit" className="button button-primary">
              Review and sign proposal…
            </button>
          </div>
        </form>
      </section>

      <section className="page-section" aria-labelledby={`${id}-list`}>
        <h2 id={`${id}-list`}>Proposals</h2>
        {loadError ? <ErrorAlert error={loadError} title="Proposals could not be loaded" /> : null}
        {proposals && proposals.length === 0 ? <Empty>No proposals yet.</Empty> : null}
        {proposals && proposals.length > 0 ? (
          <table className="table" aria-label="Proposals">
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Track</th>
                <th scope="col">Status</th>
                <th scope="col">Votes</th>
                <th scope="col">Voting ends</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {proposals.map((p) => (
                <tr
                  key={p.proposalId}
                  className={p.proposalId === selected ? 'selected' : undefined}
                  aria-selected={p.proposalId === selected ? true : undefined}
                >
                  <th scope="row">
                    <button
                      type="button"
                      className="link-button"
                      aria-label={`Open ${p.actionType} ${p.proposalId}`}
                      onClick={() => selectProposal(p.proposalId)}
                    >
                      {p.actionType}
                    </button>{' '}
                    <Hash value={p.proposalId} />
                  </th>
                  <td>{p.track}</td>
                  <td>
                    <span className={`chip chip-${chipOf(p.status)}`}>{p.status}</span>
                  </td>
                  <td title={p.votes.map((v) => `${keyName(keys, v.keyId)}: ${v.vote}`).join(', ')}>
                    {p.tally ? `${p.tally.yes} yes · ${p.tally.no} no · ${p.tally.abstain} abstain of ${p.tally.members}` : `${p.votes.length} votes`}
                  </td>
                  <td>block {p.votingEndsAt}</td>
                  <td className="actions">
                    {p.status === 'open'
                      ? (['yes', 'no', 'abstain'] as const).map((v) => (
                          <button
                            key={v}
                            type="button"
                            className="button button-small"
                            aria-label={`Vote ${v} on ${p.actionType} ${p.proposalId}`}
                            onClick={() =>
                              openDialog({
                                kind: 'governanceSign',
                                sign: { op: 'vote', proposalId: p.proposalId, vote: v, title: `Vote ${v} on ${p.actionType} (${p.proposalId}).` },
                              })
                            }
                          >
                            {v === 'yes' ? 'Yes' : v === 'no' ? 'No' : 'Abstain'}
                          </button>
                        ))
                      : null}
                    {p.status === 'passed' ? (
                      <button
                        type="button"
                        className="button button-small button-primary"
                        disabled={p.executableAt !== null && height !== null && height < p.executableAt}
                        title={p.executableAt !== null && height !== null && height < p.executableAt ? `executable from block ${p.executableAt}` : undefined}
                        aria-label={`Execute ${p.actionType} ${p.proposalId}`}
                        onClick={() =>
                          openDialog({
                            kind: 'governanceSign',
                            sign: { op: 'execute', proposalId: p.proposalId, title: `Execute ${p.actionType} (${p.proposalId}).` },
                          })
                        }
                      >
                        Execute
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      {detail ? (
        <section ref={detailRef} className="page-section" aria-labelledby={`${id}-detail`}>
          <h2 id={`${id}-detail`}>
            Proposal {detail.actionType} <code>{detail.proposalId}</code>
          </h2>
          <dl className="facts facts-wide" aria-label="Proposal details">
            <dt>Status</dt>
            <dd>
              <span className={`chip chip-${chipOf(detail.status)}`}>{detail.status}</span>
            </dd>
            <dt>Track</dt>
            <dd>{detail.track}</dd>
            <dt>Proposer</dt>
            <dd title={detail.proposer || undefined}>{detail.proposer === '' ? '—' : keyName(keys, detail.proposer)}</dd>
            <dt>Created</dt>
            <dd>block {detail.createdAt}</dd>
            <dt>Voting ends</dt>
            <dd>block {detail.votingEndsAt}</dd>
            {detail.executableAt !== null ? (
              <>
                <dt>Executable from</dt>
                <dd>block {detail.executableAt}</dd>
              </>
            ) : null}
            {detail.executedAt !== null ? (
              <>
                <dt>Executed</dt>
                <dd>block {detail.executedAt}</dd>
              </>
            ) : null}
            <dt>Votes</dt>
            <dd title={detail.votes.map((v) => v.keyId).join(', ') || undefined}>
              {detail.votes.length === 0 ? 'none yet' : detail.votes.map((v) => `${keyName(keys, v.keyId)}: ${v.vote} (block ${v.height})`).join(', ')}
            </dd>
          </dl>
          <pre className="json" aria-label="Proposed action" tabIndex={0}>
            {JSON.stringify(detail.action, null, 2)}
          </pre>
          <button type="button" className="button button-small" onClick={() => selectProposal(null)}>
            Close details
          </button>
        </section>
      ) : null}
    </div>
  );
}
