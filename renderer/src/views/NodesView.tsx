import { useEffect, useId, useState, type FormEvent } from 'react';
import type { SerializedError } from '../../../core/contract/index.js';
import { client } from '../client.js';
import { ago, Empty, ErrorAlert, formatTime, Hash, Loading, useNow } from '../components/common.js';
import { openBlock, openTx, refreshExplorer, refreshNode, useStore } from '../store.js';
import { toSerializedError } from '../transport/index.js';

/** Height or tx hash → open its tab; otherwise say what is accepted. */
function ExplorerSearch() {
  const id = useId();
  const [q, setQ] = useState('');
  const [error, setError] = useState<SerializedError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v = q.trim();
    setError(null);
    if (/^[0-9]{1,15}$/.test(v) && Number(v) > 0) {
      const height = Number(v);
      const tip = useStore.getState().node?.height ?? null;
      const missing = (): SerializedError => ({
        code: 'NOT_FOUND',
        message: tip === null ? `There is no block ${height}.` : `There is no block ${height} yet: the chain is at height ${tip}.`,
        hint: tip === null ? 'Type another height, or a transaction hash.' : tip === 1 ? 'Type 1, or a transaction hash.' : `Type a height from 1 to ${tip}, or a transaction hash.`,
      });
      // Say so here instead of opening a tab for a block that does not exist.
      if (tip !== null && height > tip) {
        setError(missing());
        return;
      }
      setBusy(true);
      try {
        await client().call('explorer.block', { height });
        openBlock(height);
      } catch (err) {
        const e = toSerializedError(err);
        setError(e.code === 'NOT_FOUND' ? missing() : e);
      } finally {
        setBusy(false);
      }
      return;
    }
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(v)) {
      setBusy(true);
      try {
        // Check it exists before opening a tab for it.
        const tx = await client().call('explorer.tx', { hash: v });
        openTx(tx.hash);
      } catch (err) {
        setError(toSerializedError(err));
      } finally {
        setBusy(false);
      }
      return;
    }
    setError({ code: 'INVALID_INPUT', message: `“${v}” is neither a block height nor a transaction hash.`, hint: 'Type a height such as 12, or a 64-hex-digit transaction hash.' });
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

export function NodesView() {
  const node = useStore((s) => s.node);
  const blocks = useStore((s) => s.blocks);
  const txCount = useStore((s) => s.txCount);
  const nodeError = useStore((s) => s.errors.node);
  const explorerError = useStore((s) => s.errors.explorer);
  const now = useNow(1000);
  useEffect(() => {
    void refreshNode();
    void refreshExplorer();
  }, []);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Nodes</h1>
          <p className="page-sub">The custody node this console is connected to, and an explorer of its blocks and transactions.</p>
        </div>
        <button
          type="button"
          className="button"
          onClick={() => {
            void refreshNode();
            void refreshExplorer();
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
