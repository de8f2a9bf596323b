import { showView, useStore } from '../../../store.js';
import { Empty, Loading } from '../../../common/ui.js';
import { NavItem, NavList, Section } from '../../../common/sidebar.js';

export function KeysSide() {
  const keys = useStore((s) => s.keys);
  return (
    <Section title="Software keystore">
      {keys === null ? <Loading what="keys" /> : null}
      {keys && keys.length === 0 ? <Empty>No keys yet.</Empty> : null}
      {keys && keys.length > 0 ? (
        <NavList label="Keys">
          {keys.map((k) => (
            <NavItem key={k.keyId} onClick={() => showView('keys')} title={k.keyId}>
              <span className="nav-primary">{k.label}</span>
              <span className={`nav-secondary chip chip-${k.onChain}`}>{k.onChain}</span>
            </NavItem>
          ))}
        </NavList>
      ) : null}
    </Section>
  );
}
