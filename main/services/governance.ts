/**
 * Governance: proposals on the protocol and operational tracks, signed votes,
 * execution. The engine is the authority on every rule (membership, quorum,
 * supermajority, voting period, execution delay); this service builds, signs
 * and submits the transactions and reads proposals back with their tally.
 */
import type { ProposalView } from '../../core/contract/index.js';
import { CharterError } from '../../core/errors.js';
import { parseStrictJson } from '../../core/evidence/jcs.js';
import type { GovAction, GovTrack, ProposalRecord } from '../../core/engine/types.js';
import { GOV_ACTION_SCHEMA } from '../../core/engine/bodies.js';
import type { CustodyNodes } from '../nodes/types.js';
import type { Authority } from '../authority/types.js';
import type { KeysService } from './keys.js';
import type { ExpectedEnvelope, SigningPreviewOut, Submitter, TxSigner } from './submit.js';

interface ProposalWithTally extends ProposalRecord {
  tally?: { members: number; yes: number; no: number; abstain: number; quorum_met: boolean; threshold_met: boolean };
}

function view(p: ProposalWithTally): ProposalView {
  return {
    proposalId: p.proposal_id,
    track: p.track,
    actionType: p.action.type,
    action: p.action,
    proposer: p.proposer,
    createdAt: p.created_at,
    createdTx: p.created_tx,
    votingEndsAt: p.voting_ends_at,
    votes: p.votes.map((v) => ({ keyId: v.key_id, vote: v.vote, height: v.height })),
    status: p.status,
    decidedAt: p.decided_at,
    executableAt: p.executable_at,
    executedAt: p.executed_at,
    tally: p.tally
      ? {
          members: p.tally.members,
          yes: p.tally.yes,
          no: p.tally.no,
          abstain: p.tally.abstain,
          quorumMet: p.tally.quorum_met,
          thresholdMet: p.tally.threshold_met,
        }
      : null,
  };
}

function proposeBody(input: { track: GovTrack; action: GovAction; votingPeriodBlocks?: number | undefined }) {
  return { track: input.track, action: input.action, ...(input.votingPeriodBlocks !== undefined ? { voting_period_blocks: input.votingPeriodBlocks } : {}) };
}

export interface SignAs {
  /** A local key with the governance role; absent: the devnet admin. */
  keyId?: string | undefined;
  passphrase?: string | undefined;
}

export class GovernanceService {
  constructor(
    private readonly nodes: CustodyNodes,
    private readonly submitter: Submitter,
    private readonly keys: KeysService,
    /** Who signs when no local key is chosen. */
    private readonly authority: Authority,
  ) {}

  private signer(as: SignAs, act: 'gov.propose' | 'gov.vote' | 'gov.execute'): TxSigner {
    // A key of any backend: its passphrase or PIN unlocks it for this call (a Ledger key needs none;
    // a software key without one fails with WRONG_PASSPHRASE).
    if (as.keyId) return this.keys.signerFor(as.keyId, as.passphrase);
    return this.authority.signer(act);
  }

  /**
   * Exactly what a vote, an execution or a proposal would sign now, and by
   * whom (a local key, or the devnet admin). Submitting with `expected` set
   * from it signs exactly these bytes or nothing (PREVIEW_STALE).
   */
  async preview(
    input:
      | ({ op: 'vote'; proposalId: string; vote: 'yes' | 'no' | 'abstain' } & SignAs)
      | ({ op: 'execute'; proposalId: string } & SignAs)
      | ({ op: 'propose'; track: GovTrack; action: GovAction; votingPeriodBlocks?: number | undefined } & SignAs),
  ): Promise<SigningPreviewOut> {
    let who: { keyId: string; scheme: string; asAdmin: boolean };
    if (input.keyId) who = { keyId: input.keyId, scheme: (await this.keys.info(input.keyId)).scheme, asAdmin: false };
    else {
      const admin = this.authority.signer(input.op === 'propose' ? 'gov.propose' : input.op === 'vote' ? 'gov.vote' : 'gov.execute');
      who = { keyId: admin.keyId, scheme: admin.scheme, asAdmin: true };
    }
    if (input.op === 'propose') {
      return this.submitter.preview('gov.propose', proposeBody(input), who);
    }
    await this.get(input.proposalId); // NOT_FOUND before anything is prepared
    if (input.op === 'vote') return this.submitter.preview('gov.vote', { proposal_id: input.proposalId, vote: input.vote }, who);
    return this.submitter.preview('gov.execute', { proposal_id: input.proposalId }, who);
  }

  async get(proposalId: string): Promise<ProposalView> {
    const p = await (await this.nodes.custody().get()).query<ProposalWithTally>(`/proposal/${proposalId}`);
    if (!p) throw new CharterError('NOT_FOUND', `no proposal ${proposalId}`);
    return view(p);
  }

  async list(): Promise<ProposalView[]> {
    const client = await this.nodes.custody().get();
    const all = (await client.query<ProposalRecord[]>('/proposals')) ?? [];
    // Each proposal with its tally: one JSON-RPC batch of /proposal/<id>, not one query each.
    const withTally = all.length > 0 ? await client.queryBatch<ProposalWithTally>(all.map((p) => `/proposal/${p.proposal_id}`)) : [];
    const out: ProposalView[] = withTally.map((p, i) => {
      if (!p) throw new CharterError('NOT_FOUND', `no proposal ${all[i]!.proposal_id}`);
      return view(p);
    });
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.proposalId < b.proposalId ? -1 : 1));
  }

  async propose(
    input: { track: GovTrack; action: GovAction; votingPeriodBlocks?: number | undefined; expected?: ExpectedEnvelope | undefined } & SignAs,
  ): Promise<{ proposal: ProposalView; txHash: string; height: number }> {
    const res = await this.submitter.submit(
      'gov.propose',
      proposeBody(input),
      this.signer(input, 'gov.propose'),
      input.expected ? { expected: input.expected } : {},
    );
    const id = (res.data as { proposal_id?: string } | null)?.proposal_id;
    if (!id) throw new CharterError('NODE_ERROR', 'the node did not return the new proposal id');
    return { proposal: await this.get(id), txHash: res.txHash, height: res.height };
  }

  async vote(
    input: { proposalId: string; vote: 'yes' | 'no' | 'abstain'; expected?: ExpectedEnvelope | undefined } & SignAs,
  ): Promise<{ proposal: ProposalView; txHash: string; height: number }> {
    const res = await this.submitter.submit(
      'gov.vote',
      { proposal_id: input.proposalId, vote: input.vote },
      this.signer(input, 'gov.vote'),
      input.expected ? { expected: input.expected } : {},
    );
    return { proposal: await this.get(input.proposalId), txHash: res.txHash, height: res.height };
  }

  async execute(
    input: { proposalId: string; expected?: ExpectedEnvelope | undefined } & SignAs,
  ): Promise<{ proposal: ProposalView; txHash: string; height: number }> {
    const res = await this.submitter.submit(
      'gov.execute',
      { proposal_id: input.proposalId },
      this.signer(input, 'gov.execute'),
      input.expected ? { expected: input.expected } : {},
    );
    return { proposal: await this.get(input.proposalId), txHash: res.txHash, height: res.height };
  }
}

/**
 * A proposal's action as the operator typed it (JSON text): strict JSON (INVALID_JSON,
 * DUPLICATE_KEY or NUMBER_NOT_REPRESENTABLE with line and column), and an object
 * with a string "type" (INVALID_INPUT). The engine validates the rest.
 */
export function parseActionJson(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseStrictJson(text);
  } catch (e) {
    if (e instanceof CharterError) throw new CharterError(e.code, `the action is not valid JSON: ${e.message}`, e.details);
    throw e;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new CharterError('INVALID_INPUT', 'the action must be a JSON object such as {"type":"params.set", …}', {
      problems: [{ path: 'actionJson', message: 'not a JSON object' }],
    });
  }
  if (typeof (v as Record<string, unknown>)['type'] !== 'string') {
    throw new CharterError('INVALID_INPUT', 'the action needs a "type"', { problems: [{ path: 'actionJson.type', message: 'required' }] });
  }
  return v as Record<string, unknown>;
}

/**
 * A typed action checked as the engine will check it: parseActionJson, then the
 * engine's own action schema (INVALID_INPUT naming each field). Used where nothing
 * is signed yet (a preview), so that the operator hears of a bad field before signing.
 */
export function checkedActionJson(text: string): Record<string, unknown> {
  const action = parseActionJson(text);
  const parsed = GOV_ACTION_SCHEMA.safeParse(action);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: ['action', ...i.path.map(String)].join('.'), message: i.message }));
    throw new CharterError('INVALID_INPUT', `the ${String(action['type'])} action is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
      problems,
    });
  }
  return action;
}
