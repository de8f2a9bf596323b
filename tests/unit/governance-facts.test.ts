/** What a governance vote or execution is about (renderer/src/features/governance/governanceFacts.ts): the action's type and fields, track, status, tally. */
import { describe, expect, it } from 'vitest';
import type { ProposalView } from '../../core/contract/index.js';
import { proposalFacts } from '../../renderer/src/features/governance/governanceFacts.js';

const alice = '074911d3a0c1e2f3a4b5c6d7e8f90a1b2c3d4e5f';
const proposal: ProposalView = {
  proposalId: 'gp-1',
  track: 'operational',
  actionType: 'key.set_roles',
  action: { type: 'key.set_roles', key_id: alice, roles: ['approver', 'governance'], owner: 'org:ann' },
  proposer: 'f'.repeat(40),
  createdAt: 10,
  createdTx: 'A'.repeat(64),
  votingEndsAt: 40,
  votes: [],
  status: 'open',
  decidedAt: null,
  executableAt: null,
  executedAt: null,
  tally: { members: 3, yes: 1, no: 0, abstain: 0, quorumMet: false, thresholdMet: false },
};

describe('proposalFacts', () => {
  it('lists the action with its fields, key ids named, then track, status and tally', () => {
    const facts = proposalFacts(proposal, (k) => (k === alice ? 'alice' : `${k.slice(0, 8)}…`));
    expect(facts).toEqual([
      ['Action', 'key.set_roles'],
      ['Key id', 'alice (074911d3…)'],
      ['Roles', 'approver, governance'],
      ['Owner', 'org:ann'],
      ['Track', 'operational'],
      ['Status', 'open, voting ends at block 40'],
      ['Tally', '1 yes, 0 no, 0 abstain of 3 members; quorum not met, threshold not met'],
    ]);
  });

  it('says from when a passed proposal can be executed, and shows nested values as JSON', () => {
    const facts = proposalFacts(
      { ...proposal, status: 'passed', executableAt: 55, action: { type: 'param.set', value: { a: 1 } }, actionType: 'param.set', tally: null },
      (k) => k,
    );
    expect(facts).toContainEqual(['Status', 'passed, executable from block 55']);
    expect(facts).toContainEqual(['Value', '{"a":1}']);
    expect(facts.map(([k]) => k)).not.toContain('Tally');
  });
});

describe('proposalFacts tally', () => {
  it('says "1 member" for a one-member council', () => {
    const facts = proposalFacts({ ...proposal, tally: { members: 1, yes: 0, no: 0, abstain: 0, quorumMet: false, thresholdMet: false } }, (k) => k);
    expect(facts).toContainEqual(['Tally', '0 yes, 0 no, 0 abstain of 1 member; quorum not met, threshold not met']);
  });
});
