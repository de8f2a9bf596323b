import { viewInfo, type ViewId } from '../../../workbench/registry.js';
import { Section } from '../../../common/sidebar.js';

export function LaterSide({ view }: { view: ViewId }) {
  const info = viewInfo(view);
  return (
    <Section title={info.title}>
      <p className="sidebar-note">Arrives with {info.later?.issue}.</p>
    </Section>
  );
}
