import { create } from 'zustand';
import type { AddressEntry, MethodOutput, SerializedError } from '../../../core/contract/index.js';
import { client } from './client.js';
import { toSerializedError } from '../transport/index.js';

/**
 * Workspace data the custody views read besides vaults and requests: the
 * address book (named destinations) and the milestones the Overview ticks
 * from (blocks opened, evidence exported — read from the audit log, so they
 * survive reloads and never go back).
 */
interface WorkspaceData {
  addresses: AddressEntry[] | null;
  addressError: SerializedError | null;
  milestones: MethodOutput<'app.milestones'> | null;
}

export const useWorkspaceData = create<WorkspaceData>()(() => ({ addresses: null, addressError: null, milestones: null }));

export async function refreshAddresses(): Promise<void> {
  try {
    const r = await client().call('addressBook.list', {});
    useWorkspaceData.setState({ addresses: r.entries, addressError: null });
  } catch (e) {
    useWorkspaceData.setState({ addressError: toSerializedError(e) });
  }
}

export async function refreshMilestones(): Promise<void> {
  try {
    const m = await client().call('app.milestones', {});
    useWorkspaceData.setState({ milestones: m });
  } catch {
    // The checklist keeps what it knew; the Overview's other steps do not depend on it.
  }
}

let timer: ReturnType<typeof setTimeout> | null = null;
/** After an audit entry: blocks opened and evidence exported may have grown. */
export function refreshMilestonesSoon(): void {
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    void refreshMilestones();
  }, 100);
}

/** The address book's name for a destination, if it has one. */
export function addressName(addresses: AddressEntry[] | null, destination: string): string | null {
  return addresses?.find((a) => a.destination === destination)?.name ?? null;
}
