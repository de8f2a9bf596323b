import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { setClient } from './client.js';
import { persistLayout, refreshAll, restoreLayout, subscribeEvents, useStore } from './store.js';
import { createClient } from './transport/index.js';
import './styles.css';

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
    <App />
  </StrictMode>,
);
