/** A governance transaction awaiting confirmation: what the Governance view asks the confirm dialog to sign. */
export type GovernanceSign =
  | { op: 'vote'; proposalId: string; vote: 'yes' | 'no' | 'abstain'; title: string }
  | { op: 'execute'; proposalId: string; title: string }
  | { op: 'propose'; track: 'protocol' | 'operational'; action: Record<string, unknown>; title: string };

// The dialogs this feature contributes, and what each is opened with (openDialog({ kind, … })).
declare module '../../workbench/registry.js' {
  interface DialogArgs {
    governanceSign: { sign: GovernanceSign };
  }
}
