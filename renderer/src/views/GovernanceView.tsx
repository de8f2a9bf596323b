import { Fragment, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ProposalView, SerializedError } from '../../../core/contract/index.js';
import { client } from '../client.js';
import { Empty, ErrorAlert, Hash } from '../components/common.js';
import { takeSecret } from '../dialogs/CreateKeyDialog.js';
import { keyName, notify, useStore } from '../store.js';
import { toSerializedError } from '../transport/index.js';

/** Starting points for each action; the engine validates every field. */
const TEMPLATES: Record<string, { track: 'protocol' | 'operational'; action: Record<string, unknown> }> = {
  'params.set': { track: 'protocol', action: { type: 'params.set', max_expiry_blocks: 500 } },
  'validator.add': { track: 'operational', action: { type: 'validator.add', public_key: '<64 hex digits: Ed25519 public key>', power: 10, name: 'validator-2' } },
  'validator.remove': { track: 'operational', action: { type: 'validator.remove', public_key: '<64 hex digits>' } },
  'key.register': { track: 'operational', action: { type: 'key.register', public_key: '<hex public key>', scheme: 'ed25519', label: 'name' } },
  'key.set_roles': { track: 'operational', action: { type: 'key.set_roles', key_id: '<key id>', roles: ['approver', 'initiator'] } },
  'key.release': { track: 'operational', action: { type: 'key.release', key_id: '<key id>', reason: 'investigation closed' } },
  'key.rotate_approve': { track: 'operational', action: { type: 'key.rotate_approve', key_id: '<old key id>' } },
  'whitelist.add': { track: 'operational', action: { type: 'whitelist.add', vault_id: 'treasury', destination: 'acct-example' } },
  'whitelist.remove': { track: 'operational', action: { type: 'whitelist.remove', vault_id: 'treasury', destination: 'acct-example' } },
  'emergency.ratify': { track: 'operational', action: { type: 'emergency.ratify', control_id: '<control id>' } },
  'emergency.lift': { track: 'operational', action: { type: 'emergency.lift', control_id: '<control id>' } },
};
const ADMIN = '';

export function GovernanceView() {
  const id = useId();
  const height = useStore((s) => s.node?.height ?? null);
  const keys = useStore((s) => s.keys);
  const [proposals, setProposals] = useState<ProposalView[] | null>(null);
  const [loadError, setLoadError] = useState<SerializedError | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  /** Where the error is shown: next to the action that caused it ('propose', or the proposal's id). */
  const [errorAt, setErrorAt] = useState('propose');
  const [busy, setBusy] = useState<string | null>(null);
  const [signAs, setSignAs] = useState(ADMIN);
  const signBackend = (keys ?? []).find((k) => k.keyId === signAs)?.backend ?? 'software';
  const [actionType, setActionType] = useState('params.set');
  const [track, setTrack] = useState<'protocol' | 'operational'>('protocol');
  const [actionText, setActionText] = useState(JSON.stringify(TEMPLATES['params.set']!.action, null, 2));
  const pass = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let live = true;
    client()
      .call('governance.list', {})
      .then((r) => {
        if (!live) return;
        setProposals(r.proposals);
        setLoadError(null);
      })
      .catch((e: unknown) => {
        if (live) setLoadError(toSerializedError(e));
      });
    return () => {
      live = false;
    };
  }, [height, busy]);

  const chooseType = (t: string) => {
    setActionType(t);
    const tpl = TEMPLATES[t];
    if (tpl) {
      setTrack(tpl.track);
      setActionText(JSON.stringify(tpl.action, null, 2));
    }
  };

  /** The signer fields of a call; the passphrase is read once and cleared. */
  const signer = (): { keyId?: string; passphrase?: string } => {
    if (signAs === ADMIN) return {};
    if (signBackend === 'ledger') return { keyId: signAs };
    const secret = takeSecret(pass);
    return secret ? { keyId: signAs, passphrase: secret } : { keyId: signAs };
  };

  const run = async (what: string, fn: () => Promise<unknown>, done: string, at = 'propose') => {
    setBusy(what);
    setError(null);
    setErrorAt(at);
    try {
      await fn();
      notify({ kind: 'info', title: done });
    } catch (e) {
      setError(toSerializedError(e));
    } finally {
      setBusy(null);
    }
  };

  const propose = (e: FormEvent) => {
    e.preventDefault();
    // The host parses the text (INVALID_JSON with line and column) and records a refusal in the audit log.
    void run('propose', () => client().call('governance.propose', { track, actionJson: actionText, ...signer() }), 'Proposal submitted');
  };

  const localKeys = keys ?? [];
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Governance</h1>
          <p className="page-sub">
            Proposals on the protocol track (chain parameters) and the operational track (validators, roles, key registration and release,
            whitelist changes, emergency ratification). Members vote; a proposal passes with quorum and a two-thirds majority, then anyone executes it.
          </p>
        </div>
      </header>

      <section className="page-section" aria-labelledby={`${id}-as`}>
        <h2 id={`${id}-as`}>Sign as</h2>
        <div className="form form-inline">
          <div className="field">
            <label htmlFor={`${id}-signer`}>Governance key</label>
            <select id={`${id}-signer`} value={signAs} onChange={(e) => setSignAs(e.target.value)}>
              <option value={ADMIN}>Devnet admin (genesis governance member)</option>
              {localKeys.map((k) => (
                <option key={k.keyId} value={k.keyId}>
                  {k.label}
                </option>
              ))}
            </select>
          </div>
          {signAs !== ADMIN && signBackend !== 'ledger' ? (
            <div className="field">
              <label htmlFor={`${id}-pass`}>{signBackend === 'pkcs11' ? 'Token PIN' : 'Passphrase'}</label>
              <input id={`${id}-pass`} ref={pass} type="password" autoComplete="current-password" />
              <span className="field-hint">Unlocks the key for one signature; not kept.</span>
            </div>
          ) : null}
        </div>
      </section>

      <section className="page-section" aria-labelledby={`${id}-new`}>
        <h2 id={`${id}-new`}>New proposal</h2>
        <form className="form" aria-label="New proposal" onSubmit={propose}>
          <div className="field">
            <label htmlFor={`${id}-type`}>Action</label>
            <select id={`${id}-type`} value={actionType} onChange={(e) => chooseType(e.target.value)}>
              {Object.keys(TEMPLATES).map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-track`}>Track</label>
            <select id={`${id}-track`} value={track} onChange={(e) => setTrack(e.target.value as 'protocol' | 'operational')}>
              <option value="protocol">protocol</option>
              <option value="operational">operational</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-json`}>Action (JSON)</label>
            <textarea id={`${id}-json`} className="json" rows={6} value={actionText} onChange={(e) => setActionText(e.target.value)} spellCheck={false} />
            <span className="field-hint">The engine checks every field; docs/formats/transactions.md lists each action.</span>
          </div>
          {error && errorAt === 'propose' ? <ErrorAlert error={error} title="The proposal was not submitted" /> : null}
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy !== null}>
              {busy === 'propose' ? 'Signing…' : 'Sign proposal'}
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
                <Fragment key={p.proposalId}>
                <tr>
                  <th scope="row">
                    {p.actionType} <Hash value={p.proposalId} />
                  </th>
                  <td>{p.track}</td>
                  <td>
                    <span className={`chip chip-${p.status === 'executed' ? 'executed' : p.status === 'open' || p.status === 'passed' ? 'pending' : 'failed'}`}>{p.status}</span>
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
                            disabled={busy !== null}
                            aria-label={`Vote ${v} on ${p.actionType} ${p.proposalId}`}
                            onClick={() => void run(`vote-${v}`, () => client().call('governance.vote', { proposalId: p.proposalId, vote: v, ...signer() }), `Voted ${v}`, p.proposalId)}
                          >
                            {v === 'yes' ? 'Yes' : v === 'no' ? 'No' : 'Abstain'}
                          </button>
                        ))
                      : null}
                    {p.status === 'passed' ? (
                      <button
                        type="button"
                        className="button button-small button-primary"
                        disabled={busy !== null || (p.executableAt !== null && height !== null && height < p.executableAt)}
                        aria-label={`Execute ${p.actionType} ${p.proposalId}`}
                        onClick={() => void run('execute', () => client().call('governance.execute', { proposalId: p.proposalId, ...signer() }), 'Proposal executed', p.proposalId)}
                      >
                        Execute
                      </button>
                    ) : null}
                  </td>
                </tr>
                {error && errorAt === p.proposalId ? (
                  <tr>
                    <td colSpan={6}>
                      <ErrorAlert error={error} title="Not done" />
                    </td>
                  </tr>
                ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
