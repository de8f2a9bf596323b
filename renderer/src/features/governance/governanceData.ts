import { useEffect } from 'react';
import { create } from 'zustand';
import type { ProposalView, SerializedError } from '../../../../core/contract/index.js';
import { client } from '../../common/client.js';
import { useStore } from '../../store.js';
import { toSerializedError } from '../../transport/index.js';

/** Governance proposals, shared by the Governance view and its side-bar section. */
interface GovernanceData {
  proposals: ProposalView[] | null;
  loadError: SerializedError | null;
  /** The proposal shown in detail (opened from the side bar or the table). */
  selected: string | null;
}

export const useGovernance = create<GovernanceData>()(() => ({ proposals: null, loadError: null, selected: null }));

let inflight: Promise<void> | null = null;
export function refreshProposals(): Promise<void> {
  if (inflight) return inflight;
  inflight = client()
    .call('governance.list', {})
    .then((r) => useGovernance.setState({ proposals: r.proposals, loadError: null }))
    .catch((e: unknown) => useGovernance.setState({ loadError: toSerializedError(e) }))
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

/** The proposals, re-read at every new block while a component uses them. */
export function useProposals(): GovernanceData {
  const height = useStore((s) => s.node?.height ?? null);
  useEffect(() => {
    void refreshProposals();
  }, [height]);
  return useGovernance();
}

export function selectProposal(proposalId: string | null): void {
  useGovernance.setState({ selected: proposalId });
}

/** Listeners told when a governance transaction was signed (the Governance view re-reads its proposals). */
const signedListeners = new Set<() => void>();
export function onGovernanceSigned(l: () => void): () => void {
  signedListeners.add(l);
  return () => signedListeners.delete(l);
}

/** Tell the listeners a governance transaction was signed. */
export function governanceSigned(): void {
  for (const l of signedListeners) l();
}
