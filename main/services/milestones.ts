/**
 * What the workspace has done, read from its audit log: the blocks opened in
 * the explorer and the withdrawals whose evidence was exported (a file or a
 * custody-case bundle). The log is append-only, so these only grow: the
 * Overview's first-steps checklist ticks from them and never un-ticks, across
 * reloads and restarts.
 */
import type { Workspace } from '../workspace/workspace.js';

export function milestones(ws: Workspace): { openedBlocks: number[]; exportedRequests: string[] } {
  const blocks = ws.db.prepare("SELECT DISTINCT subject FROM audit_log WHERE action = 'explorer.block' AND result = 'ok' AND subject LIKE 'block %'").all() as {
    subject: string;
  }[];
  const exported = ws.db
    .prepare(
      "SELECT DISTINCT subject FROM audit_log WHERE action IN ('evidence.exportWithdrawal', 'evidence.buildCase') AND result = 'ok' AND subject LIKE 'request %'",
    )
    .all() as { subject: string }[];
  const openedBlocks = [...new Set(blocks.map((r) => Number(r.subject.slice(6))).filter((h) => Number.isSafeInteger(h) && h >= 0))].sort((a, b) => a - b);
  const exportedRequests = [...new Set(exported.map((r) => r.subject.slice(8)).filter((id) => /^wr-[0-9a-f]{24}$/.test(id)))].sort();
  return { openedBlocks, exportedRequests };
}
