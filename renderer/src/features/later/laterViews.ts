/**
 * The views whose capability is not in the console yet, with what they will
 * do and what works today (pure data: the placeholder view and its side-bar
 * section show it).
 */
export interface LaterViewInfo {
  id: 'ceremonies' | 'runbooks' | 'replay';
  title: string;
  order: number;
  /** When it comes, what it will do and what works today. */
  later: { issue: string; what: string };
}

export const LATER_VIEWS: readonly LaterViewInfo[] = [
  {
    id: 'ceremonies',
    order: 50,
    title: 'Ceremonies',
    later: {
      issue: 'a later version of the console',
      what: 'scripted key ceremonies: keys generated on an HSM or Ledger, backup secrets split M-of-N and verified, keys registered on chain, and a witnessed, signed transcript. Today: generate a key on a PKCS#11 token or a Ledger and register it with its attestation record in the Keys view (or "charter keys generate --backend pkcs11" or "--backend ledger", and "charter keys attest").',
    },
  },
  {
    id: 'runbooks',
    order: 60,
    title: 'Runbooks',
    later: {
      issue: 'a later version of the console',
      what: 'executable incident runbooks (validator compromise, consensus stall, corrupted storage, key compromise) with live checks, approval-gated actions and an evidence trail. Today: watch the security events in the Nodes view, quarantine or replace a key through the Keys and Governance views, and check the audit log with "charter audit verify".',
    },
  },
  {
    id: 'replay',
    order: 80,
    title: 'Replay',
    later: {
      issue: 'a later version of the console',
      what: 'loading a chain history, replaying it locally and comparing its state roots with what the nodes signed, in this view. Today: replay runs from the command line ("charter node export --home DIR --out FILE", then "charter replay --blocks FILE --check", which names the first divergent height and transaction), and the Evidence view verifies evidence bundles offline, every signature and inclusion proof.',
    },
  },
];
