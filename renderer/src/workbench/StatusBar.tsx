import type { DeviceView } from '../../../core/contract/index.js';
import { client } from '../common/client.js';
import { showPanel, showView, toggleTheme, useStore } from '../store.js';
import type { HostConnection } from '../transport/index.js';
import { ago, formatTime, useNow } from '../common/ui.js';

function hostText(h: HostConnection): { text: string; tone: 'ok' | 'warn' | 'bad' } {
  switch (h.state) {
    case 'open':
      return { text: 'Console connected', tone: 'ok' };
    case 'connecting':
      return { text: h.attempt > 0 ? `Console reconnecting (attempt ${h.attempt + 1})…` : 'Console connecting…', tone: 'warn' };
    case 'closed':
      return { text: `Console disconnected (${h.reason}); retrying in ${Math.round(h.retryInMs / 1000)} s`, tone: 'bad' };
    case 'no-token':
      return { text: 'No session token: open the URL printed by charter serve', tone: 'bad' };
  }
}

/** Key devices at a glance (DESIGN §7): how many are ready, and which one needs attention. */
function DevicesItem({ devices }: { devices: readonly DeviceView[] }) {
  const ready = devices.filter((d) => d.state === 'ready').length;
  const attention = devices.filter((d) => d.state !== 'ready' && d.state !== 'absent');
  const tone = attention.length ? 'warn' : 'ok';
  const text = `Devices ${ready}/${devices.length} ready`;
  const title = devices.map((d) => `${d.label}: ${d.state}${d.detail ? ` (${d.detail})` : ''}`).join('\n');
  return (
    <button type="button" className={`status-item tone-${tone}`} title={title} onClick={() => showView('keys')}>
      <span className={`dot dot-${tone}`} aria-hidden="true" />
      <span role="status" aria-live="polite">
        {text}
        {attention.length ? `, ${attention.map((d) => `${d.label} ${d.state}`).join(', ')}` : ''}
      </span>
    </button>
  );
}

export function StatusBar() {
  const host = useStore((s) => s.host);
  const node = useStore((s) => s.node);
  const theme = useStore((s) => s.theme);
  const auditCount = useStore((s) => s.audit?.length ?? null);
  const devices = useStore((s) => s.devices);
  const now = useNow(1000);
  const h = hostText(host);
  const nodeTone = node?.connection === 'connected' ? 'ok' : node?.connection === 'connecting' ? 'warn' : 'bad';
  const nodeText = node ? `Node ${node.connection}${node.embedded ? ' (embedded devnet)' : ''}` : 'Node status unknown';
  return (
    <footer className={`status-bar tone-${host.state === 'open' ? nodeTone : h.tone}`} aria-label="Status bar">
      <div className="status-left">
        {client().kind === 'websocket' ? (
          <button
            type="button"
            className={`status-item tone-${h.tone}`}
            title={host.state === 'closed' ? 'Reconnect now' : h.text}
            onClick={() => client().reconnect()}
          >
            <span className={`dot dot-${h.tone}`} aria-hidden="true" />
            <span role="status" aria-live="polite">
              {h.text}
            </span>
          </button>
        ) : null}
        <button
          type="button"
          className={`status-item tone-${nodeTone}`}
          title={node?.error ? `${node.rpcUrl}: ${node.error}` : (node?.rpcUrl ?? 'Nodes view')}
          onClick={() => showView('nodes')}
        >
          <span className={`dot dot-${nodeTone}`} aria-hidden="true" />
          <span role="status" aria-live="polite">
            {nodeText}
          </span>
        </button>
        {node?.chainId ? (
          <span className="status-item status-chain" title={`Chain ${node.chainId}`}>
            <span>Chain {node.chainId}</span>
          </span>
        ) : null}
        <span className="status-item" aria-label={`Block height ${node?.height ?? 'unknown'}`}>
          <span>Height {node?.height ?? '—'}</span>
        </span>
        <span className="status-item status-last-block" title={formatTime(node?.lastBlockTime)}>
          <span>Last block {ago(node?.lastBlockTime, now)}</span>
        </span>
      </div>
      <div className="status-right">
        {devices ? <DevicesItem devices={devices} /> : null}
        <button type="button" className="status-item" onClick={() => showPanel('audit')}>
          <span>Audit log{auditCount !== null ? ` (${auditCount})` : ''}</span>
        </button>
        <button type="button" className="status-item" onClick={() => void toggleTheme()}>
          <span>Theme: {theme === 'dark' ? 'Dark' : 'Light'}</span>
        </button>
      </div>
    </footer>
  );
}
