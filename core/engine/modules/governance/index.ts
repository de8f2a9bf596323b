/**
 * The governance module: proposals on two tracks, votes, tallies and
 * execution of the actions every module registers (through the registry), the
 * protocol track's params.set, and the block-level decisions of proposals
 * whose voting period ended.
 */
import { toHex } from '../../../codec/index.js';
import { signingDigest, unsignedOf } from '../../../tx/codec.js';
import { keyOf, lookup } from '../../controls.js';
import { governanceOf, governanceProblem, MAX_EXPIRY_BLOCKS_LIMIT, MAX_GOV_BLOCKS } from '../../genesis.js';
import { defineModule } from '../../module.js';
import type { ActionHandler, Registry } from '../../module.js';
import { clone, ev, fail } from '../../shared.js';
import { compareUtf8 } from '../../state-root.js';
import type { AbciEvent, ChainParams, EngineState, ProposalRecord, SignedEnvelope, UnsignedEnvelope } from '../../types.js';
import type { Effect, TxContext, Work } from '../../work.js';
import { governanceSpec } from './spec.js';
import type { GovernanceActions } from './spec.js';

/** Whether a key is a governance member now: registered, active, holding the governance role. */
function isMember(s: EngineState, id: string): boolean {
  const k = keyOf(s, id);
  return k !== undefined && k.status === 'active' && k.roles.includes('governance');
}

export interface ProposalTally {
  members: number;
  yes: number;
  no: number;
  abstain: number;
  quorum_met: boolean;
  threshold_met: boolean;
}

/** The tally of a proposal against the current members (votes of keys no longer members do not count). */
export function tallyOf(s: EngineState, p: ProposalRecord): ProposalTally {
  let members = 0;
  // for…in walks the copy-on-write overlay and its base map.
  for (const id in s.keys) if (isMember(s, id)) members++;
  let yes = 0;
  let no = 0;
  let abstain = 0;
  for (const v of p.votes) {
    if (!isMember(s, v.key_id)) continue;
    if (v.vote === 'yes') yes++;
    else if (v.vote === 'no') no++;
    else abstain++;
  }
  const t = governanceOf(s.params)[p.track];
  const voted = yes + no + abstain;
  const quorum_met = members > 0 && voted * t.quorum.den >= t.quorum.num * members;
  const threshold_met = yes + no > 0 && yes * t.threshold.den >= t.threshold.num * (yes + no);
  return { members, yes, no, abstain, quorum_met, threshold_met };
}

/**
 * The outcome of a proposal now, or null while undecided. Before the voting
 * period ends it is decided early only when the remaining members' votes cannot
 * change it; at the end: passed (quorum and threshold), rejected (quorum, no
 * threshold) or expired (no quorum).
 */
function outcome(s: EngineState, p: ProposalRecord, final: boolean): 'passed' | 'rejected' | 'expired' | null {
  const x = tallyOf(s, p);
  const th = governanceOf(s.params)[p.track].threshold;
  if (final) return x.quorum_met && x.threshold_met ? 'passed' : x.quorum_met ? 'rejected' : 'expired';
  const remaining = Math.max(0, x.members - x.yes - x.no - x.abstain);
  if (x.quorum_met && x.yes * th.den >= th.num * (x.yes + x.no + remaining)) return 'passed';
  if (x.no > 0 && (x.yes + remaining) * th.den < th.num * (x.yes + x.no + remaining)) return 'rejected';
  return null;
}

function decided(s: EngineState, p: ProposalRecord, status: 'passed' | 'rejected' | 'expired', height: number): { rec: ProposalRecord; event: AbciEvent } {
  const rec: ProposalRecord = { ...p, status, decided_at: height };
  const x = tallyOf(s, p);
  if (status === 'passed') rec.executable_at = height + governanceOf(s.params)[p.track].execution_delay_blocks;
  const kind = status === 'passed' ? 'security.proposal_passed' : 'security.proposal_rejected';
  const attrs: [string, string | number][] = [
    ['proposal_id', p.proposal_id],
    ['track', p.track],
    ['action', p.action.type],
    ['yes', x.yes],
    ['no', x.no],
    ['abstain', x.abstain],
    ['members', x.members],
  ];
  if (status === 'passed') attrs.push(['executable_at', rec.executable_at as number]);
  else attrs.push(['reason', status === 'expired' ? 'no_quorum' : 'threshold_not_met']);
  return { rec, event: ev(kind, attrs) };
}

function proposalIdOf(env: SignedEnvelope | UnsignedEnvelope): string {
  return 'gp-' + toHex(signingDigest(unsignedOf(env as SignedEnvelope))).slice(0, 24);
}

function govPropose(s: EngineState, env: SignedEnvelope<'gov.propose'>, ctx: TxContext, reg: Registry): Effect {
  const b = env.body;
  if (reg.trackOf(b.action) !== b.track) fail('INVALID_PROPOSAL', `action ${b.action.type} belongs to the ${reg.trackOf(b.action)} track, not ${b.track}`);
  const t = governanceOf(s.params)[b.track];
  const period = b.voting_period_blocks ?? t.voting_period_blocks;
  if (!Number.isSafeInteger(period) || period < 1 || period > MAX_GOV_BLOCKS) fail('INVALID_PROPOSAL', `voting_period_blocks must be 1–${MAX_GOV_BLOCKS}`);
  const id = proposalIdOf(env);
  if (lookup(s.proposals, id) !== undefined) fail('INVALID_PROPOSAL', `proposal ${id} exists`);
  // The action must be valid now; it is validated again when executed.
  reg.action(s, env, b.action, id, ctx);
  const rec: ProposalRecord = {
    proposal_id: id,
    track: b.track,
    action: clone(b.action),
    proposer: env.signer,
    created_at: ctx.height,
    created_tx: ctx.txHash,
    voting_ends_at: ctx.height + period,
    votes: [],
    status: 'open',
    decided_at: null,
    executable_at: null,
    executed_at: null,
  };
  return {
    apply: (w) => w.putProposal(rec),
    data: { proposal_id: id, voting_ends_at: rec.voting_ends_at },
    events: [
      ev('security.proposal_created', [
        ['proposal_id', id],
        ['track', b.track],
        ['action', b.action.type],
        ['proposer', env.signer],
        ['voting_ends_at', rec.voting_ends_at],
      ]),
    ],
  };
}

function proposalOf(s: EngineState, id: string): ProposalRecord {
  const p = lookup(s.proposals, id);
  if (!p) fail('PROPOSAL_NOT_FOUND', `no proposal ${JSON.stringify(id.slice(0, 64))}`);
  return p;
}

function govVote(s: EngineState, env: SignedEnvelope<'gov.vote'>, ctx: TxContext): Effect {
  const b = env.body;
  const p = proposalOf(s, b.proposal_id);
  if (p.status !== 'open' || ctx.height > p.voting_ends_at)
    fail('PROPOSAL_NOT_OPEN', `proposal ${p.proposal_id} is ${p.status === 'open' ? 'past its voting period' : p.status}`);
  if (p.votes.some((v) => v.key_id === env.signer)) fail('DUPLICATE_VOTE', `key ${env.signer} has already voted on proposal ${p.proposal_id}`);
  const next: ProposalRecord = { ...p, votes: [...p.votes, { key_id: env.signer, vote: b.vote, height: ctx.height }] };
  const events: AbciEvent[] = [
    ev('security.proposal_voted', [
      ['proposal_id', p.proposal_id],
      ['key_id', env.signer],
      ['vote', b.vote],
    ]),
  ];
  const o = outcome(s, next, false);
  let rec = next;
  if (o !== null) {
    const d = decided(s, next, o, ctx.height);
    rec = d.rec;
    events.push(d.event);
  }
  return { apply: (w) => w.putProposal(rec), data: { proposal_id: p.proposal_id, status: rec.status }, events };
}

function govExecute(s: EngineState, env: SignedEnvelope<'gov.execute'>, ctx: TxContext, reg: Registry): Effect {
  const p = proposalOf(s, env.body.proposal_id);
  if (p.status !== 'passed') fail('PROPOSAL_NOT_EXECUTABLE', `proposal ${p.proposal_id} is ${p.status}, not passed`);
  if ((p.executable_at ?? 0) > ctx.height) fail('PROPOSAL_NOT_EXECUTABLE', `proposal ${p.proposal_id} may be executed from height ${p.executable_at}`);
  const effect = reg.action(s, env, p.action, p.proposal_id, ctx);
  const rec: ProposalRecord = { ...p, status: 'executed', executed_at: ctx.height };
  return {
    apply: (w) => {
      effect.apply(w);
      w.putProposal(rec);
    },
    data: { proposal_id: p.proposal_id, status: 'executed', ...(effect.data && typeof effect.data === 'object' ? (effect.data as object) : {}) },
    events: [
      ...effect.events,
      ev('security.proposal_executed', [
        ['proposal_id', p.proposal_id],
        ['action', p.action.type],
        ['by', env.signer],
      ]),
    ],
  };
}

const paramsSet: ActionHandler<GovernanceActions['params.set']> = (s, _env, a, proposalId) => {
  if (a.faucet === undefined && a.max_expiry_blocks === undefined && a.governance === undefined) fail('INVALID_PROPOSAL', 'params.set changes nothing');
  if (a.max_expiry_blocks !== undefined && (a.max_expiry_blocks < 1 || a.max_expiry_blocks > MAX_EXPIRY_BLOCKS_LIMIT))
    fail('INVALID_PROPOSAL', `max_expiry_blocks must be 1–${MAX_EXPIRY_BLOCKS_LIMIT}`);
  if (a.governance !== undefined) {
    const problem = governanceProblem(a.governance);
    if (problem) fail('INVALID_PROPOSAL', `governance.${problem}`);
  }
  const next: ChainParams = { ...s.params };
  if (a.faucet !== undefined) next.faucet = a.faucet;
  if (a.max_expiry_blocks !== undefined) next.max_expiry_blocks = a.max_expiry_blocks;
  if (a.governance !== undefined) next.governance = clone(a.governance);
  const changed = (['faucet', 'max_expiry_blocks', 'governance'] as const).filter((k) => a[k] !== undefined).join(',');
  return {
    apply: (w) => w.putParams(next),
    data: undefined,
    events: [
      ev('security.params_changed', [
        ['changed', changed],
        ['proposal_id', proposalId],
      ]),
    ],
  };
};

/** Block-level: proposals whose voting period ended are decided. */
function runProposalsDue(w: Work, height: number): AbciEvent[] {
  const events: AbciEvent[] = [];
  if (w.open.size === 0) return events;
  for (const id of [...w.open].sort(compareUtf8)) {
    const p = w.s.proposals[id] as ProposalRecord;
    if (height <= p.voting_ends_at) continue;
    const d = decided(w.s, p, outcome(w.s, p, true) as 'passed' | 'rejected' | 'expired', height);
    w.putProposal(d.rec);
    events.push(d.event);
  }
  return events;
}

export const governance = defineModule({
  spec: governanceSpec,
  txs: {
    'gov.propose': govPropose,
    'gov.vote': govVote,
    'gov.execute': govExecute,
  },
  actions: {
    'params.set': paramsSet,
  },
  beginBlock: runProposalsDue,
});
