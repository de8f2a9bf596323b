import { useEffect, useId, useState, type FormEvent } from 'react';
import type { MethodInput, SecurityEventView, SerializedError } from '../../../core/contract/index.js';
import { client } from '../client.js';
import { keyName, openBlock, openTx, useStore } from '../store.js';
import { toSerializedError } from '../transport/index.js';
import { Empty, ErrorAlert, Hash } from './common.js';

type Filter = Omit<MethodInput<'security.events'>, 'limit' | 'before'>;

/** Kinds the engine emits today; the field accepts any kind. */
const KNOWN_KINDS = ['tx_rejected', 'key_quarantined', 'key_released', 'request_cancelled', 'control_lapsed', 'policy_changed'];

function attr(e: SecurityEventView, k: string): string | null {
  return e.attributes.find((a) => a.key === k)?.value ?? null;
}

/**
 * The node's security events — every rejection and every control change —
 * newest first, filterable by kind, key, vault and height. Refreshes at each block.
 */
export function SecurityEventsView() {
  const id = useId();
  const height = useStore((s) => s.node?.height ?? null);
  const keys = useStore((s) => s.keys);
  const [filter, setFilter] = useState<Filter>({});
  const [events, setEvents] = useState<SecurityEventView[] | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);

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
    const num = (k: string) => (text(k) === '' ? undefined : Number(text(k)));
    const next: Filter = {};
    if (text('kind')) next.kind = text('kind');
    if (text('key')) next.keyId = text('key');
    if (text('vault')) next.vaultId = text('vault');
    const from = num('from');
    const to = num('to');
    if (from !== undefined && Number.isInteger(from)) next.fromHeight = from;
    if (to !== undefined && Number.isInteger(to)) next.toHeight = to;
    setFilter(next);
  };

  return (
    <div className="security-events">
      <form className="filter-row" aria-label="Filter security events" onSubmit={apply}>
        <label htmlFor={`${id}-kind`}>Kind</label>
        <input id={`${id}-kind`} name="kind" list={`${id}-kinds`} placeholder="any" size={16} />
        <datalist id={`${id}-kinds`}>
          {KNOWN_KINDS.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        <label htmlFor={`${id}-key`}>Key</label>
        <input id={`${id}-key`} name="key" placeholder="key id" size={14} />
        <label htmlFor={`${id}-vault`}>Vault</label>
        <input id={`${id}-vault`} name="vault" placeholder="vault id" size={10} />
        <label htmlFor={`${id}-from`}>From height</label>
        <input id={`${id}-from`} name="from" inputMode="numeric" size={6} />
        <label htmlFor={`${id}-to`}>To height</label>
        <input id={`${id}-to`} name="to" inputMode="numeric" size={6} />
        <button type="submit" className="button button-small">
          Filter
        </button>
        <button
          type="reset"
          className="button button-small button-secondary"
          onClick={() => setFilter({})}
        >
          Clear
        </button>
      </form>
      {error ? <ErrorAlert error={error} title="Security events could not be loaded" /> : null}
      {events && events.length === 0 ? <Empty>No security events{Object.keys(filter).length ? ' match this filter' : ' yet'}.</Empty> : null}
      {events && events.length > 0 ? (
        <table className="table" aria-label="Security events">
          <thead>
            <tr>
              <th scope="col">Block</th>
              <th scope="col">Kind</th>
              <th scope="col">Code</th>
              <th scope="col">Key</th>
              <th scope="col">Vault</th>
              <th scope="col">Request</th>
              <th scope="col">Transaction</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.seq}>
                <td>
                  <button type="button" className="link-button" onClick={() => openBlock(e.height)} aria-label={`Open block ${e.height}`}>
                    {e.height}
                  </button>
                </td>
                <th scope="row">{e.kind.replace(/^security\./, '')}</th>
                <td>{e.code ?? '—'}</td>
                <td>{e.keyId ? keyName(keys, e.keyId) : '—'}</td>
                <td>{e.vaultId ?? '—'}</td>
                <td>{e.requestId ? <code>{e.requestId}</code> : '—'}</td>
                <td>
                  {e.txHash ? (
                    <button type="button" className="link-button" onClick={() => openTx(e.txHash as string)} aria-label={`Open transaction ${e.txHash}`}>
                      <Hash value={e.txHash} />
                    </button>
                  ) : (
                    <span className="muted">{attr(e, 'reason') ?? 'block-level'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
