// The dialogs this feature contributes, and what each is opened with (openDialog({ kind, … })).
declare module '../../workbench/registry.js' {
  interface DialogArgs {
    createVault: object;
    fundVault: { vaultId?: string };
    withdraw: { vaultId?: string };
    approve: { requestId: string };
    cancelRequest: { requestId: string };
    addressBook: object;
  }
}

export {};
