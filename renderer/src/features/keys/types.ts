/** The key lifecycle actions of the Keys & Devices view. */
export type KeyAction = 'generate' | 'register' | 'attest' | 'roles' | 'rotate' | 'retire' | 'revoke';

// The dialogs this feature contributes, and what each is opened with (openDialog({ kind, … })).
declare module '../../workbench/registry.js' {
  interface DialogArgs {
    createKey: object;
    importKey: object;
    keyAction: { action: KeyAction; keyId?: string };
  }
}
