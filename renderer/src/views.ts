export type ViewId = 'overview' | 'keys' | 'approvals' | 'governance' | 'ceremonies' | 'runbooks' | 'evidence' | 'replay' | 'nodes';

export interface ViewInfo {
  id: ViewId;
  title: string;
  /** Set for views whose capability arrives in a later issue. */
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
      issue: 'a later issue (not filed yet)',
      what: 'scripted key ceremonies: keys generated on an HSM or Ledger, backup secrets split M-of-N and verified, keys registered on chain, and a witnessed, signed transcript.',
    },
  },
  {
    id: 'runbooks',
    title: 'Runbooks',
    later: {
      issue: 'a later issue (not filed yet)',
      what: 'executable incident runbooks (validator compromise, consensus stall, corrupted storage, key compromise) with live checks, approval-gated actions and an evidence trail.',
    },
  },
  { id: 'evidence', title: 'Evidence' },
  {
    id: 'replay',
    title: 'Replay',
    later: {
      issue: 'issue 4 (evidence bundles); replay itself runs from the command line today: `charter node export` and `charter replay --check`',
      what: 'loading a chain history or an evidence bundle, replaying it locally, comparing state roots with what the nodes signed, and verifying every signature and inclusion proof offline.',
    },
  },
  { id: 'nodes', title: 'Nodes' },
];

export function viewInfo(id: ViewId): ViewInfo {
  return VIEWS.find((v) => v.id === id) as ViewInfo;
}
