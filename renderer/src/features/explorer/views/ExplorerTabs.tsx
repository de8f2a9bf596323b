import { useCallback, useEffect, useState } from 'react';
import type { BlockView, SerializedError, TxView } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { CopyButton, ErrorAlert, formatTime, Hash, KeyName, Loading } from '../../../common/ui.js';
import { openBlock, openTx } from '../../../store.js';
import { toSerializedError } from '../../../transport/index.js';

function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(fn, deps);
  const reload = useCallback(() => {
    setError(null);
    run().then(setData, (e: unknown) => setError(toSerializedError(e)));
  }, [run]);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

export function BlockTab({ height }: { height: number }) {
  const { data: b, error, reload } = useLoad(() => client().call('explorer.block', { height }), [height]);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Block {height}</h1>
          {b ? <p className="page-sub">{formatTime(b.time)}</p> : null}
        </div>
        <div className="button-row">
          {height > 1 ? (
            <button type="button" className="button" onClick={() => openBlock(height - 1)}>
              Previous block
            </button>
          ) : null}
          <button type="button" className="button" onClick={() => openBlock(height + 1)}>
            Next block
          </button>
        </div>
      </header>
      {error ? (
        <>
          <ErrorAlert error={error} title={`Block ${height} could not be loaded`} />
          <button type="button" className="button" onClick={reload}>
            Try again
          </button>
        </>
      ) : null}
      {!b && !error ? <Loading what={`block ${height}`} /> : null}
      {b ? <BlockBody b={b} /> : null}
    </div>
  );
}

function BlockBody({ b }: { b: BlockView }) {
  return (
    <>
      <dl className="facts facts-wide" aria-label="Block header">
        <dt>Height</dt>
        <dd>{b.height}</dd>
        <dt>Time</dt>
        <dd>
          {formatTime(b.time)} <span className="muted">({b.time})</span>
        </dd>
        <dt>Chain id</dt>
        <dd>{b.chainId}</dd>
        <dt>Block hash</dt>
        <dd>
          <code className="break">{b.hash}</code>
        </dd>
        <dt>Previous block</dt>
        <dd>
          <code className="break">{b.lastBlockHash || '—'}</code>
        </dd>
        <dt>State root after this block</dt>
        <dd>
          <code className="break">{b.resultAppHash || 'not known yet (the next block carries it)'}</code>
        </dd>
        <dt>App hash in header</dt>
        <dd>
          <code className="break">{b.appHash}</code> <span className="muted">(state root after the previous block)</span>
        </dd>
        <dt>Proposer</dt>
        <dd>
          <code className="break">{b.proposer}</code>
        </dd>
      </dl>
      <section aria-labelledby={`block-${b.height}-txs`} className="page-section">
        <h2 id={`block-${b.height}-txs`}>Transactions ({b.txs.length})</h2>
        {b.txs.length === 0 ? <p className="empty">This block carries no transactions.</p> : null}
        {b.txs.length > 0 ? (
          <table className="table" aria-label={`Transactions in block ${b.height}`}>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Hash</th>
                <th scope="col">Type</th>
                <th scope="col">Signer</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {b.txs.map((t) => (
                <tr key={t.hash}>
                  <td className="num">{t.index}</td>
                  <th scope="row">
                    <button type="button" className="link-button" onClick={() => openTx(t.hash)} aria-label={`Open transaction ${t.hash}`}>
                      <Hash value={t.hash} />
                    </button>
                  </th>
                  <td>
                    <code>{t.type}</code>
                  </td>
                  <td>
                    <KeyName keyId={t.signer} />
                  </td>
                  <td>
                    {t.code === 0 ? <span className="chip chip-executed">ok</span> : <span className="chip chip-failed">{t.error ?? `code ${t.code}`}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}

export function TxTab({ hash }: { hash: string }) {
  const { data: t, error, reload } = useLoad(() => client().call('explorer.tx', { hash }), [hash]);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Transaction</h1>
          <p className="page-sub">
            <code className="break">{hash}</code> <CopyButton text={hash} label="Copy transaction hash" />
          </p>
        </div>
        {t ? (
          <button type="button" className="button" onClick={() => openBlock(t.height)}>
            Open block {t.height}
          </button>
        ) : null}
      </header>
      {error ? (
        <>
          <ErrorAlert error={error} title="The transaction could not be loaded" />
          <button type="button" className="button" onClick={reload}>
            Try again
          </button>
        </>
      ) : null}
      {!t && !error ? <Loading what="the transaction" /> : null}
      {t ? <TxBody t={t} /> : null}
    </div>
  );
}

function TxBody({ t }: { t: TxView }) {
  return (
    <>
      <dl className="facts facts-wide" aria-label="Transaction result">
        <dt>Type</dt>
        <dd>
          <code>{t.type}</code>
        </dd>
        <dt>Result</dt>
        <dd>
          {t.code === 0 ? (
            <span className="chip chip-executed">ok (code 0)</span>
          ) : (
            <span className="chip chip-failed">
              {t.error ?? 'error'} (code {t.code}, {t.codespace})
            </span>
          )}
        </dd>
        <dt>Block</dt>
        <dd>
          {t.height}, index {t.index}, {formatTime(t.blockTime)}
        </dd>
        <dt>Signer</dt>
        <dd>
          <KeyName keyId={t.signer} /> <code className="break muted">{t.signer}</code>
        </dd>
        <dt>Signing digest</dt>
        <dd>
          <code className="break">{t.signingDigest}</code>
        </dd>
        {t.log ? (
          <>
            <dt>Log</dt>
            <dd className="break">{t.log}</dd>
          </>
        ) : null}
      </dl>
      <section aria-labelledby="tx-envelope-h" className="page-section">
        <h2 id="tx-envelope-h">Envelope</h2>
        <pre className="json" tabIndex={0} aria-label="Decoded envelope">
          {JSON.stringify(t.envelope, null, 2)}
        </pre>
      </section>
      <section aria-labelledby="tx-events-h" className="page-section">
        <h2 id="tx-events-h">Events ({t.events.length})</h2>
        {t.events.length === 0 ? <p className="empty">No events.</p> : null}
        {t.events.map((ev, i) => (
          <table key={i} className="table table-compact" aria-label={`Event ${ev.type}`}>
            <caption>
              <code>{ev.type}</code>
            </caption>
            <tbody>
              {ev.attributes.map((a, j) => (
                <tr key={j}>
                  <th scope="row">{a.key}</th>
                  <td className="break">{a.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </section>
    </>
  );
}
