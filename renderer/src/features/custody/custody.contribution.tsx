import { openBlock, openDialog, openRequest, useStore } from '../../store.js';
import { pendingRequests, requestText, withRequest } from '../../common/requestPick.js';
import { defineDialog, defineTab, type Command, type FeatureContribution } from '../../workbench/registry.js';
import { AddressBookDialog } from './dialogs/AddressBookDialog.js';
import { ApproveDialog } from './dialogs/ApproveDialog.js';
import { CancelRequestDialog } from './dialogs/CancelRequestDialog.js';
import { CreateVaultDialog } from './dialogs/CreateVaultDialog.js';
import { FundVaultDialog } from './dialogs/FundVaultDialog.js';
import { WithdrawDialog } from './dialogs/WithdrawDialog.js';
import { ApprovalsSide } from './views/ApprovalsSide.js';
import { ApprovalsView } from './views/ApprovalsView.js';
import { RequestTab } from './views/RequestTab.js';

function approveRequest(): void {
  withRequest(pendingRequests(), 'Which withdrawal do you approve?', 'No withdrawal is waiting for approval', (r) =>
    openDialog({ kind: 'approve', requestId: r.requestId }),
  );
}

/** Cancel a request that is still open (pending or approved): the one in view, else ask which. */
function cancelRequest(): void {
  const open = (useStore.getState().requests ?? []).filter((r) => r.status === 'pending' || r.status === 'approved');
  withRequest(open, 'Which request do you cancel?', 'No withdrawal request is open', (r) => openDialog({ kind: 'cancelRequest', requestId: r.requestId }));
}

/** Commands that depend on the current state: one per pending request and executed withdrawal. */
function requestCommands(): Command[] {
  const { requests } = useStore.getState();
  const out: Command[] = [];
  for (const r of requests ?? []) {
    const what = requestText(r);
    if (r.status === 'pending') {
      out.push({
        id: `approve.${r.requestId}`,
        category: 'Custody',
        title: `Approve Withdrawal of ${what} (${r.approvals.length} of ${r.threshold})`,
        keybinding: '',
        run: () => openDialog({ kind: 'approve', requestId: r.requestId }),
      });
    }
    out.push({ id: `request.${r.requestId}`, category: 'Custody', title: `Open Request ${what}`, keybinding: '', run: () => openRequest(r.requestId) });
    if (r.status === 'executed' && r.executedAt !== null) {
      const h = r.executedAt;
      out.push({ id: `block.${r.requestId}`, category: 'Explorer', title: `Open Block ${h} (executed ${what})`, keybinding: '', run: () => openBlock(h) });
    }
  }
  return out;
}

/** Custody: vaults, withdrawals and approvals — the Approvals view, request tabs, the custody dialogs and commands. */
export const custodyContribution: FeatureContribution = {
  id: 'custody',
  views: [
    {
      id: 'approvals',
      title: 'Approvals',
      order: 30,
      component: ApprovalsView,
      sideBar: ApprovalsSide,
      useBadge: () =>
        useStore((s) => {
          const pending = s.requests?.filter((r) => r.status === 'pending').length ?? 0;
          return pending > 0 ? pending : null;
        }),
    },
  ],
  tabs: [
    defineTab('request', {
      view: () => 'approvals',
      id: (t) => `request:${t.requestId}`,
      title: (t) => `Request ${t.requestId.slice(0, 11)}…`,
      tooltip: (t) => `Request ${t.requestId}`,
      render: (t) => <RequestTab requestId={t.requestId} />,
    }),
  ],
  dialogs: [
    defineDialog('createVault', () => <CreateVaultDialog />),
    defineDialog('fundVault', (d) => <FundVaultDialog key={d.vaultId ?? ''} {...(d.vaultId ? { initialVault: d.vaultId } : {})} />),
    defineDialog('withdraw', (d) => <WithdrawDialog key={d.vaultId ?? ''} {...(d.vaultId ? { initialVault: d.vaultId } : {})} />),
    defineDialog('approve', (d) => <ApproveDialog key={d.requestId} requestId={d.requestId} />),
    defineDialog('cancelRequest', (d) => <CancelRequestDialog key={d.requestId} requestId={d.requestId} />),
    defineDialog('addressBook', () => <AddressBookDialog />),
  ],
  commands: [
    { id: 'custody.createVault', category: 'Custody', title: 'Create Vault…', keybinding: 'Ctrl+K V', run: () => openDialog({ kind: 'createVault' }) },
    {
      id: 'custody.fundVault',
      category: 'Custody',
      title: 'Fund Vault (Devnet Faucet)…',
      keybinding: 'Ctrl+K F',
      run: () => openDialog({ kind: 'fundVault' }),
    },
    { id: 'custody.newWithdrawal', category: 'Custody', title: 'New Withdrawal…', keybinding: 'Ctrl+K W', run: () => openDialog({ kind: 'withdraw' }) },
    { id: 'custody.approve', category: 'Custody', title: 'Approve a Withdrawal…', keybinding: 'Ctrl+K P', run: approveRequest },
    { id: 'custody.cancel', category: 'Custody', title: 'Cancel Withdrawal Request…', keybinding: 'Ctrl+K X', run: cancelRequest },
    { id: 'custody.addressBook', category: 'Custody', title: 'Open Address Book…', keybinding: 'Ctrl+K D', run: () => openDialog({ kind: 'addressBook' }) },
  ],
  dynamicCommands: requestCommands,
};
