import { useEffect, useId, useState, type FormEvent } from 'react';
import type { MethodOutput, SerializedError } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { ago, Empty, ErrorAlert, formatTime, Hash, Loading, useNow } from '../../../common/ui.js';
import { openBlock, openTx, refreshExplorer, refreshNode, useStore } from '../../../store.js';
import { toSerializedError } from '../../../transport/index.js';

/** Height or tx hash → open its tab; otherwise say what is accepted. */
function ExplorerSearch() {
  const id = useId();
  const [q, setQ] = useState('');
  const [error, setError] = useState<SerializedError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      // The host reads the query, checks that the block or transaction exists, and records a refusal in the audit log.
      const found = await client().call('explorer.search', { query: q });
      if (found.kind === 'block') openBlock(found.height);
      else openTx(found.hash);
    } catch (err) {
      setError(toSerializedError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form role="search" aria-label="Explorer search" className="search" onSubmit={(e) => void submit(e)}>
      <label htmlFor="explorer-search">Block height or transaction hash</label>
      <div className="search-row">
        <input id="explorer-search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" spellCheck={false} aria-describedby={`${id}-hint`} />
        <button type="submit" className="button" disabled={busy || q.trim() === ''}>
          Go
        </button>
      </div>
      <span id={`${id}-hint`} className="field-hint">
        Ctrl+G from anywhere.
      </span>
      {error ? <ErrorAlert error={error} title="Nothing to open" /> : null}
    </form>
  );
}

type Health = MethodOutput<'node.validators'>;

/** The validator set and consensus health: who signed the newest commit, and a warning when online power is not above two thirds. */
function Validators({ tick }: { tick: number }) {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  useEffect(() => {
    let live = true;
    client()
      .call('node.validators', {})
      .then((h) => {
        if (!live) return;
        setHealth(h);
        setError(null);
      })
      .catch((e: unknown) => live && setError(toSerializedError(e)));
    return () => {
      live = false;
    };
  }, [tick]);
  return (
    <section aria-labelledby="validators-h" className="page-section">
      <h2 id="validators-h">Validators</h2>
      {error ? <ErrorAlert error={error} title="The validator set could not be read" /> : null}
      {health === null && !error ? <Loading what="validators" /> : null}
      {health ? (
        <>
          {health.warning ? (
            <div role="alert" className="alert">
              <div className="alert-message">{(health.warning[0]?.toUpperCase() ?? '') + health.warning.slice(1)}.</div>
            </div>
          ) : null}
          <p className="muted">
            At height {health.height}: {health.count} validator{health.count === 1 ? '' : 's'}, power {health.onlinePower} of {health.totalPower} signed the
            newest commit{health.quorum ? ' (above two thirds: blocks are committed)' : ''}.
          </p>
          <table className="table" aria-label="Validator set">
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Voting power</th>
                <th scope="col">Newest commit</th>
              </tr>
            </thead>
            <tbody>
              {health.validators.map((v) => (
                <tr key={v.address}>
                  <th scope="row">
                    <Hash value={v.address} n={12} />
                  </th>
                  <td className="num">{v.power}</td>
                  <td>
                    <span className={`chip chip-${v.signedLatest ? 'connected' : 'disconnected'}`}>{v.signedLatest ? 'signed' : 'missing'}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

export function NodesView() {
  const node = useStore((s) => s.node);
  const blocks = useStore((s) => s.blocks);
  const txCount = useStore((s) => s.txCount);
  const nodeError = useStore((s) => s.errors.node);
  const explorerError = useStore((s) => s.errors.explorer);
  const now = useNow(1000);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    void refreshNode();
    void refreshExplorer();
  }, []);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Nodes</h1>
          <p className="page-sub">The custody node this console is connected to, its validators, and an explorer of its blocks and transactions.</p>
        </div>
        <button
          type="button"
          className="button"
          onClick={() => {
            void refreshNode();
            void refreshExplorer();
            setTick((t) => t + 1);
          }}
        >
          Refresh
        </button>
      </header>
      <section aria-labelledby="node-h" className="page-section">
        <h2 id="node-h">Custody node</h2>
        {nodeError ? <ErrorAlert error={nodeError} title="Node status could not be read" /> : null}
        {node === null && !nodeError ? <Loading what="node status" /> : null}
        {node ? (
          <dl className="facts facts-wide">
            <dt>Connection</dt>
            <dd>
              <span className={`chip chip-${node.connection}`}>{node.connection}</span>
              {node.error ? <span className="muted"> — {node.error}</span> : null}
            </dd>
            <dt>RPC</dt>
            <dd>
              <code>{node.rpcUrl}</code> {node.embedded ? '(embedded devnet)' : ''}
            </dd>
            <dt>Chain id</dt>
            <dd>{node.chainId ?? '—'}</dd>
            <dt>Height</dt>
            <dd>{node.height ?? '—'}</dd>
            <dt>Last block</dt>
            <dd>
              {formatTime(node.lastBlockTime)} ({ago(node.lastBlockTime, now)})
            </dd>
            <dt>App hash</dt>
            <dd>{node.appHash ? <Hash value={node.appHash} n={16} /> : '—'}</dd>
            <dt>Transactions</dt>
            <dd>{txCount ?? '—'}</dd>
          </dl>
        ) : null}
      </section>
      <Validators tick={tick} />
      <section aria-labelledby="explorer-h" className="page-section">
        <h2 id="explorer-h">Explorer</h2>
        <ExplorerSearch />
        {explorerError ? <ErrorAlert error={explorerError} title="Blocks could not be loaded" /> : null}
        {blocks === null && !explorerError ? <Loading what="blocks" /> : null}
        {blocks && blocks.length === 0 ? <Empty>No blocks yet.</Empty> : null}
        {blocks && blocks.length > 0 ? (
          <table className="table" aria-label="Latest blocks">
            <thead>
              <tr>
                <th scope="col">Height</th>
                <th scope="col">Time</th>
                <th scope="col">Transactions</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {blocks.map((b) => (
                <tr key={b.height}>
                  <th scope="row">
                    <button type="button" className="link-button" onClick={() => openBlock(b.height)}>
                      Block {b.height}
                    </button>
                  </th>
                  <td>{formatTime(b.time)}</td>
                  <td className="num">{b.numTxs}</td>
                  <td>
                    <Hash value={b.hash} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
