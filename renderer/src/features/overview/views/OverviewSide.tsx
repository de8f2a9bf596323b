import { useStore } from '../../../store.js';
import { Loading } from '../../../common/ui.js';
import { Section } from '../../../common/sidebar.js';

export function OverviewSide() {
  const app = useStore((s) => s.app);
  const node = useStore((s) => s.node);
  return (
    <>
      <Section title="Workspace">
        {app ? (
          <dl className="facts">
            <dt>Host</dt>
            <dd>{app.host === 'serve' ? 'Served console' : 'Electron'}</dd>
            <dt>Version</dt>
            <dd>{app.version}</dd>
            <dt>Folder</dt>
            <dd className="break">{app.workspace}</dd>
            <dt>Node</dt>
            <dd>{app.devnet ? 'Embedded devnet' : 'External node'}</dd>
          </dl>
        ) : (
          <Loading what="workspace" />
        )}
      </Section>
      <Section title="Node">
        {node ? (
          <dl className="facts">
            <dt>State</dt>
            <dd>{node.connection}</dd>
            <dt>RPC</dt>
            <dd className="break">{node.rpcUrl}</dd>
            <dt>Height</dt>
            <dd>{node.height ?? '—'}</dd>
          </dl>
        ) : (
          <Loading what="node status" />
        )}
      </Section>
    </>
  );
}
