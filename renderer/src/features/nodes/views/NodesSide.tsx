import { openBlock, useStore } from '../../../store.js';
import { Empty, formatTime, Loading } from '../../../common/ui.js';
import { NavItem, NavList, Section } from '../../../common/sidebar.js';

export function NodesSide() {
  const node = useStore((s) => s.node);
  const blocks = useStore((s) => s.blocks);
  return (
    <>
      <Section title="Custody node">
        {node ? (
          <dl className="facts">
            <dt>State</dt>
            <dd>{node.connection}</dd>
            <dt>Chain</dt>
            <dd>{node.chainId ?? '—'}</dd>
            <dt>Height</dt>
            <dd>{node.height ?? '—'}</dd>
          </dl>
        ) : (
          <Loading what="node status" />
        )}
      </Section>
      <Section title="Latest blocks">
        {blocks && blocks.length === 0 ? <Empty>No blocks yet.</Empty> : null}
        {blocks && blocks.length > 0 ? (
          <NavList label="Latest blocks">
            {blocks.map((b) => (
              <NavItem key={b.height} onClick={() => openBlock(b.height)} title={formatTime(b.time)}>
                <span className="nav-primary">Block {b.height}</span>
                <span className="nav-secondary">{b.numTxs === 1 ? '1 tx' : `${b.numTxs} txs`}</span>
              </NavItem>
            ))}
          </NavList>
        ) : null}
      </Section>
    </>
  );
}
