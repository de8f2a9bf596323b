import { useEffect } from 'react';
import { handleGlobalKey } from './commands.js';
import { ActivityBar } from './components/ActivityBar.js';
import { EditorArea } from './components/EditorArea.js';
import { Palette } from './components/Palette.js';
import { Panel } from './components/Panel.js';
import { SideBar } from './components/SideBar.js';
import { StatusBar } from './components/StatusBar.js';
import { ApproveDialog } from './dialogs/ApproveDialog.js';
import { CreateKeyDialog } from './dialogs/CreateKeyDialog.js';
import { ImportKeyDialog } from './dialogs/ImportKeyDialog.js';
import { CreateVaultDialog } from './dialogs/CreateVaultDialog.js';
import { FundVaultDialog } from './dialogs/FundVaultDialog.js';
import { KeyActionDialog } from './dialogs/KeyActionDialog.js';
import { WithdrawDialog } from './dialogs/WithdrawDialog.js';
import { AddressBookDialog } from './dialogs/AddressBookDialog.js';
import { CancelRequestDialog } from './dialogs/CancelRequestDialog.js';
import { GovernanceSignDialog } from './dialogs/GovernanceSignDialog.js';
import { useStore } from './store.js';

function ActiveDialog() {
  const dialog = useStore((s) => s.dialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'createKey':
      return <CreateKeyDialog />;
    case 'createVault':
      return <CreateVaultDialog />;
    case 'fundVault':
      return <FundVaultDialog key={dialog.vaultId ?? ''} {...(dialog.vaultId ? { initialVault: dialog.vaultId } : {})} />;
    case 'withdraw':
      return <WithdrawDialog key={dialog.vaultId ?? ''} {...(dialog.vaultId ? { initialVault: dialog.vaultId } : {})} />;
    case 'approve':
      return <ApproveDialog key={dialog.requestId} requestId={dialog.requestId} />;
    case 'keyAction':
      return <KeyActionDialog key={`${dialog.action}:${dialog.keyId ?? ''}`} action={dialog.action} {...(dialog.keyId ? { keyId: dialog.keyId } : {})} />;
    case 'importKey':
      return <ImportKeyDialog />;
    case 'cancelRequest':
      return <CancelRequestDialog key={dialog.requestId} requestId={dialog.requestId} />;
    case 'addressBook':
      return <AddressBookDialog />;
    case 'governanceSign':
      return <GovernanceSignDialog sign={dialog.sign} />;
  }
}

export function App() {
  const theme = useStore((s) => s.theme);
  const sidebarVisible = useStore((s) => s.sidebarVisible);
  const panelVisible = useStore((s) => s.panelVisible);
  const paletteOpen = useStore((s) => s.paletteOpen);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      handleGlobalKey(e);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div className={`workbench${sidebarVisible ? '' : ' no-sidebar'}`}>
      <ActivityBar />
      {sidebarVisible ? <SideBar /> : null}
      <div className="main-column">
        <EditorArea />
        {panelVisible ? <Panel /> : null}
      </div>
      <StatusBar />
      <ActiveDialog />
      {paletteOpen ? <Palette /> : null}
    </div>
  );
}
