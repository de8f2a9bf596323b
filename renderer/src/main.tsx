import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setClient } from './common/client.js';
import { FEATURES } from './features.js';
import { persistLayout, refreshAll, restoreLayout, subscribeEvents, useStore } from './store.js';
import { createClient } from './transport/index.js';
import { registerFeatures } from './workbench/registry.js';
import { Workbench } from './workbench/Workbench.js';
import './styles/index.css';

registerFeatures(FEATURES);
const client = createClient();
setClient(client);
useStore.setState({ host: client.connection() });
subscribeEvents();
persistLayout();
if (client.kind === 'electron') {
  void restoreLayout();
  void refreshAll();
}

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <Workbench />
  </StrictMode>,
);
