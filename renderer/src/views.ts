export type ViewId = 'overview' | 'keys' | 'approvals' | 'governance' | 'ceremonies' | 'runbooks' | 'evidence' | 'replay' | 'nodes';

export interface ViewInfo {
  id: ViewId;
  title: string;
  /** Set for views whose capability is not in the console yet: when it comes, what it will do and what works today. */
  later?: { issue: string; what: string };
}

export const VIEWS: readonly ViewInfo[] = [
  { id: 'overview', title: 'Overview' },
  { id: 'keys', title: 'Keys' },
  { id: 'approvals', title: 'Approvals' },
  { id: 'governance', title: 'Governance' },
  {
    id: 'ceremonies',
    title: 'Ceremonies',
    later: {
      issue: 'a later version of the console',
      what: 'scripted key ceremonies: keys generated on an HSM or Ledger, backup secrets split M-of-N and verified, keys registered on chain, and a witnessed, signed transcript. Today: generate a key on a PKCS#11 token or a Ledger and register it with its attestation record in the Keys view (or "charter keys generate --backend pkcs11" or "--backend ledger", and "charter keys attest").',
    },
  },
  {
    id: 'runbooks',
    title: 'Runbooks',
    later: {
      issue: 'a later version of the console',
      what: 'executable incident runbooks (validator compromise, consensus stall, corrupted storage, key compromise) with live checks, approval-gated actions and an evidence trail. Today: watch the security events in the Nodes view, quarantine or replace a key through the Keys and Governance views, and check the audit log with "charter audit verify".',
    },
  },
  { id: 'evidence', title: 'Evidence' },
  {
    id: 'replay',
    title: 'Replay',
    later: {
      issue: 'a later version of the console',
      what: 'loading a chain history, replaying it locally and comparing its state roots with what the nodes signed, in this view. Today: replay runs from the command line ("charter node export --home DIR --out FILE", then "charter replay --blocks FILE --check", which names the first divergent height and transaction), and the Evidence view verifies evidence bundles offline, every signature and inclusion proof.',
    },
  },
  { id: 'nodes', title: 'Nodes' },
];

export function viewInfo(id: ViewId): ViewInfo {
  return VIEWS.find((v) => v.id === id) as ViewInfo;
}
