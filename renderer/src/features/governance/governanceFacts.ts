import type { ProposalView } from '../../../../core/contract/index.js';
import { plural } from '../../common/wording.js';

/**
 * What a governance vote or execution is about, in words, for the dialog that signs it:
 * the envelope names only the proposal id, so the action (type and fields), track,
 * status and tally are shown beside it. Key ids among the fields read as names.
 */
export function proposalFacts(p: ProposalView, name: (keyId: string) => string): [string, string][] {
  const action = p.action && typeof p.action === 'object' && !Array.isArray(p.action) ? (p.action as Record<string, unknown>) : {};
  const facts: [string, string][] = [['Action', p.actionType]];
  for (const [k, v] of Object.entries(action)) {
    if (k === 'type') continue;
    facts.push([fieldLabel(k), valueText(v, name)]);
  }
  facts.push(['Track', p.track]);
  const when =
    p.status === 'open'
      ? `, voting ends at block ${p.votingEndsAt}`
      : p.status === 'passed' && p.executableAt !== null
        ? `, executable from block ${p.executableAt}`
        : '';
  facts.push(['Status', `${p.status}${when}`]);
  if (p.tally) {
    const t = p.tally;
    facts.push([
      'Tally',
      `${t.yes} yes, ${t.no} no, ${t.abstain} abstain of ${plural(t.members, 'member')}; quorum ${t.quorumMet ? 'met' : 'not met'}, threshold ${t.thresholdMet ? 'met' : 'not met'}`,
    ]);
  }
  return facts;
}

function fieldLabel(k: string): string {
  const t = k.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function valueText(v: unknown, name: (keyId: string) => string): string {
  if (typeof v === 'string') return /^[0-9a-f]{40}$/.test(v) ? `${name(v)} (${v.slice(0, 8)}…)` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map((x) => valueText(x, name)).join(', ');
  return JSON.stringify(v);
}
