// Governance through the console's contract on the real embedded devnet: the
// devnet admin (the genesis governance member) drafts a protocol proposal,
// votes, and executes it; the chain's parameters change. Bad proposals and
// votes get the engine's stable codes and change nothing.
import { describe, expect, it } from 'vitest';
import { useConsole } from './console-harness.js';
import type { ProposalView } from '../../core/contract/index.js';

const h = useConsole('charter-gov-');
const { call, fail } = h;

describe('governance in the console', () => {
  it('drafts, votes on and executes a protocol proposal; the parameter changes on chain', async () => {
    const client = await h.charter.services.chain.get();
    const before = await client.query<{ max_expiry_blocks: number }>('/params');
    expect(before?.max_expiry_blocks).not.toBe(777);

    const { proposal } = await call('governance.propose', { track: 'protocol', action: { type: 'params.set', max_expiry_blocks: 777 } });
    expect(proposal).toMatchObject({ track: 'protocol', actionType: 'params.set', status: 'open' });
    expect((await call('governance.list', {})).proposals.map((p) => p.proposalId)).toContain(proposal.proposalId);

    const voted = await call('governance.vote', { proposalId: proposal.proposalId, vote: 'yes' });
    expect(voted.proposal.votes).toHaveLength(1);
    expect(voted.proposal.tally?.yes).toBe(1);
    expect(['open', 'passed']).toContain(voted.proposal.status);

    // A second vote by the same member is refused, and changes nothing.
    const code = await fail('governance.vote', { proposalId: proposal.proposalId, vote: 'no' });
    expect(code).toMatch(/^[A-Z_]+$/);
    expect((await call('governance.list', {})).proposals.find((p) => p.proposalId === proposal.proposalId)?.votes).toHaveLength(1);

    // Executable once passed (no execution delay by default); the block may decide it first.
    let done: ProposalView | null = null;
    for (let i = 0; i < 30 && !done; i++) {
      const r = await h.api.result('governance.execute', { proposalId: proposal.proposalId });
      if (r.ok) done = r.value.proposal;
      else await new Promise((res) => setTimeout(res, 150));
    }
    expect(done?.status).toBe('executed');
    expect((await client.query<{ max_expiry_blocks: number }>('/params'))?.max_expiry_blocks).toBe(777);

    const { entries } = await call('audit.list', { limit: 50 });
    expect(entries.filter((e) => e.result === 'ok').map((e) => e.action)).toEqual(
      expect.arrayContaining(['governance.propose', 'governance.vote', 'governance.execute']),
    );
  });

  it('refuses malformed proposals with INVALID_INPUT, and unknown ones with a stable code', async () => {
    expect(await fail('governance.propose', { track: 'protocol', action: { nope: 1 } })).toBe('INVALID_INPUT');
    expect(await fail('governance.propose', { track: 'sideways', action: { type: 'params.set' } })).toBe('INVALID_INPUT');
    const unknown = await fail('governance.vote', { proposalId: 'no-such-proposal', vote: 'yes' });
    expect(unknown).toMatch(/^[A-Z_]+$/);
    expect(unknown).not.toBe('INTERNAL');
  });
});
