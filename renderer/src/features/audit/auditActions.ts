import { create } from 'zustand';
import type { MethodOutput, SerializedError } from '../../../../core/contract/index.js';
import { client } from '../../common/client.js';
import { toSerializedError } from '../../transport/index.js';

/** Results of one-shot actions whose outcome is shown next to their button. */
interface ActionState {
  auditVerify: { running: boolean; result?: MethodOutput<'audit.verify'>; error?: SerializedError; at?: string } | null;
}

export const useActions = create<ActionState>()(() => ({ auditVerify: null }));

export async function verifyAuditChain(): Promise<void> {
  useActions.setState({ auditVerify: { running: true } });
  try {
    const result = await client().call('audit.verify', {});
    useActions.setState({ auditVerify: { running: false, result, at: new Date().toISOString() } });
  } catch (e) {
    useActions.setState({ auditVerify: { running: false, error: toSerializedError(e), at: new Date().toISOString() } });
  }
}
