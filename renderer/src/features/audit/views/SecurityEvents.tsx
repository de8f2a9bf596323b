import { Fragment, useEffect, useId, useState, type FormEvent } from 'react';
import { SECURITY_EVENT_KINDS, type MethodInput, type SecurityEventView, type SerializedError } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { keyName, openBlock, openTx, useStore } from '../../../store.js';
import { toSerializedError } from '../../../transport/index.js';
import { Empty, ErrorAlert, Hash } from '../../../common/ui.js';

type Filter = Omit<MethodInput<'security.events'>, 'limit' | 'before'>;
type Stage = SecurityEventView['stage'];

const STAGE_TEXT: Record<Stage, string> = { block: 'block', admission: 'admission', recheck: 'recheck' };
const STAGE_HINT: Record<Stage, string> = {
  block: 'Seen in a committed block',
  admission: 'Refused at mempool admission (CheckTx): the transaction is in no block',
  recheck: 'Evicted from the mempool when re-checked after a block: the transaction is in no block',
};

function attr(e: SecurityEventView, k: string): string | null {
  return e.attributes.find((a) => a.key === k)?.value ?? null;
}

/** "tx_rejected" → "tx rejected": the kind as the list shows it. */
function kindText(kind: string): string {
  return kind.replace(/^security\./, '').replace(/_/g, ' ');
}

/** A transaction the node refused before any block: all there is of it is the stored event. */
function RefusedTx({ e }: { e: SecurityEventView }) {
  const keys = useStore((s) => s.keys);
  const signer = e.keyId ?? attr(e, 'key_id');
  return (
    <section className="refused-tx" aria-label={`Refused transaction ${e.txHash ?? ''}`}>
      <p className="muted">
        {STAGE_HINT[e.stage]}; the node kept this record of it when block {e.height} was the latest. There is no transaction to open.
      </p>
      <dl className="facts facts-wide">
        <dt>Hash</dt>
        <dd>
          <code className="break">{e.txHash ?? '—'}</code>
        </dd>
        <dt>Type</dt>
        <dd>{attr(e, 'type') ?? '—'}</dd>
        <dt>Signer</dt>
        <dd>{signer ? <span title={signer}>{keyName(keys, signer)}</span> : '—'}</dd>
        <dt>Code</dt>
        <dd>
          <code>{e.code ?? '—'}</code>
        </dd>
        <dt>Reason</dt>
        <dd className="break">{attr(e, 'reason') ?? 'not recorded'}</dd>
        {e.vaultId ? (
          <>
            <dt>Vault</dt>
            <dd>{e.vaultId}</dd>
          </>
        ) : null}
        {e.requestId ? (
          <>
            <dt>Request</dt>
            <dd>
              <code>{e.requestId}</code>
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

/**
 * The node's security events — every rejection and every control change —
 * newest first, filterable by kind, stage, key, vault and height. Refreshes at
 * each block. Only what exists is linked: a block event opens its block and
 * transaction; a transaction refused before any block opens its stored record.
 */
export function SecurityEventsView() {
  const id = useId();
  const height = useStore((s) => s.node?.height ?? null);
  const keys = useStore((s) => s.keys);
  const [filter, setFilter] = useState<Filter>({});
  const [events, setEvents] = useState<SecurityEventView[] | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  const [rangeError, setRangeError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    client()
      .call('security.events', { ...filter, limit: 200 })
      .then((page) => {
        if (!live) return;
        setEvents(page.events);
        setError(null);
      })
      .catch((e: unknown) => {
        if (live) setError(toSerializedError(e));
      });
    return () => {
      live = false;
    };
  }, [filter, height]);

  const apply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const height = (k: string): number | undefined | 'bad' => {
      const t = text(k);
      if (t === '') return undefined;
      return /^[0-9]{1,15}$/.test(t) ? Number(t) : 'bad';
    };
    const from = height('from');
    const to = height('to');
    if (from === 'bad' || to === 'bad') {
      setRangeError('Heights are whole numbers such as 12.');
      return;
    }
    if (from !== undefined && to !== undefined && from > to) {
      // Said here, next to the fields; nothing is queried.
      setRangeError(`The range is inverted: from ${from} is above to ${to}.`);
      return;
    }
    setRangeError(null);
    const next: Filter = {};
    if (text('kind')) next.kind = text('kind');
    const stage = text('stage');
    if (stage === 'block' || stage === 'admission' || stage === 'recheck') next.stage = stage;
    if (text('key')) next.keyId = text('key');
    if (text('vault')) next.vaultId = text('vault');
    if (from !== undefined) next.fromHeight = from;
    if (to !== undefined) next.toHeight = to;
    setFilter(next);
  };

  return (
    <div className="security-events">
      <form className="filter-row" aria-label="Filter security events" onSubmit={apply} noValidate>
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select id={`${id}-kind`} name="kind" defaultValue="">
          <option value="">Any kind</option>
          {SECURITY_EVENT_KINDS.map((k) => (
            <option key={k} value={k}>
              {kindText(k)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-stage`}>Stage</label>
        <select id={`${id}-stage`} name="stage" defaultValue="">
          <option value="">Any stage</option>
          <option value="block">Block</option>
          <option value="admission" title={STAGE_HINT.admission}>
            Admission
          </option>
          <option value="recheck" title={STAGE_HINT.recheck}>
            Recheck
          </option>
        </select>
        <label htmlFor={`${id}-key`}>Key</label>
        <input id={`${id}-key`} name="key" placeholder="key id" size={14} />
        <label htmlFor={`${id}-vault`}>Vault</label>
        <input id={`${id}-vault`} name="vault" placeholder="vault id" size={10} />
        <label htmlFor={`${id}-from`}>From height</label>
        <input
          id={`${id}-from`}
          name="from"
          inputMode="numeric"
          size={6}
          aria-invalid={rangeError ? true : undefined}
          aria-describedby={rangeError ? `${id}-range` : undefined}
        />
        <label htmlFor={`${id}-to`}>To height</label>
        <input
          id={`${id}-to`}
          name="to"
          inputMode="numeric"
          size={6}
          aria-invalid={rangeError ? true : undefined}
          aria-describedby={rangeError ? `${id}-range` : undefined}
        />
        <button type="submit" className="button button-small">
          Filter
        </button>
        <button
          type="reset"
          className="button button-small button-secondary"
          onClick={() => {
            setRangeError(null);
            setFilter({});
          }}
        >
          Clear
        </button>
        {rangeError ? (
          <span id={`${id}-range`} role="alert" className="field-error">
            {rangeError}
          </span>
        ) : null}
      </form>
      {error ? <ErrorAlert error={error} title="Security events could not be loaded" /> : null}
      {events && events.length === 0 ? <Empty>No security events{Object.keys(filter).length ? ' match this filter' : ' yet'}.</Empty> : null}
      {events && events.length > 0 ? (
        <table className="table table-security table-fit" aria-label="Security events">
          <thead>
            <tr>
              <th scope="col" className="col-stage">
                Stage
              </th>
              <th scope="col" className="col-height">
                Height
              </th>
              <th scope="col">Kind</th>
              <th scope="col">Code</th>
              <th scope="col">Key</th>
              <th scope="col">Vault</th>
              <th scope="col">Request</th>
              <th scope="col">Transaction</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => {
              const inBlock = e.stage === 'block';
              const expanded = open === e.seq;
              return (
                <Fragment key={e.seq}>
                  <tr>
                    <td>
                      <span className={`pill stage-${e.stage}`} title={STAGE_HINT[e.stage]}>
                        {STAGE_TEXT[e.stage]}
                      </span>
                    </td>
                    <td>
                      {inBlock ? (
                        <button type="button" className="link-button" onClick={() => openBlock(e.height)} aria-label={`Open block ${e.height}`}>
                          {e.height}
                        </button>
                      ) : (
                        <span className="muted" title={`In no block; block ${e.height} was the latest then`}>
                          after {e.height}
                        </span>
                      )}
                    </td>
                    <th scope="row">{kindText(e.kind)}</th>
                    <td className="clip" title={e.code ?? undefined}>
                      {e.code ?? '—'}
                    </td>
                    <td className="clip" title={e.keyId ? `${keyName(keys, e.keyId)} (${e.keyId})` : undefined}>
                      {e.keyId ? keyName(keys, e.keyId) : '—'}
                    </td>
                    <td className="clip" title={e.vaultId ?? undefined}>
                      {e.vaultId ?? '—'}
                    </td>
                    <td className="clip" title={e.requestId ?? undefined}>
                      {e.requestId ? <code>{e.requestId}</code> : '—'}
                    </td>
                    <td>
                      {e.txHash && inBlock ? (
                        <button type="button" className="link-button" onClick={() => openTx(e.txHash as string)} aria-label={`Open transaction ${e.txHash}`}>
                          <Hash value={e.txHash} />
                        </button>
                      ) : e.txHash ? (
                        <button
                          type="button"
                          className="link-button"
                          aria-expanded={expanded}
                          aria-label={`${expanded ? 'Hide' : 'Show'} refused transaction ${e.txHash}`}
                          onClick={() => setOpen(expanded ? null : e.seq)}
                        >
                          <Hash value={e.txHash} /> (refused)
                        </button>
                      ) : (
                        <span className="muted">{attr(e, 'reason') ?? 'block-level'}</span>
                      )}
                    </td>
                  </tr>
                  {expanded ? (
                    <tr className="refused-row">
                      <td colSpan={8}>
                        <RefusedTx e={e} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
