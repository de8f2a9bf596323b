import { viewInfo, type ViewId } from '../../../workbench/registry.js';

export function LaterView({ view }: { view: ViewId }) {
  const info = viewInfo(view);
  return (
    <div className="page">
      <h1>{info.title}</h1>
      <p className="later">
        <strong>Arrives with {info.later?.issue}:</strong> {info.later?.what}
      </p>
      <p className="muted">Nothing is shown here until that capability exists: this view has no data yet.</p>
    </div>
  );
}
