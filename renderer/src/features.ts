import { auditContribution } from './features/audit/audit.contribution.js';
import { custodyContribution } from './features/custody/custody.contribution.js';
import { evidenceContribution } from './features/evidence/evidence.contribution.js';
import { explorerContribution } from './features/explorer/explorer.contribution.js';
import { governanceContribution } from './features/governance/governance.contribution.js';
import { keysContribution } from './features/keys/keys.contribution.js';
import { laterContribution } from './features/later/later.contribution.js';
import { nodesContribution } from './features/nodes/nodes.contribution.js';
import { overviewContribution } from './features/overview/overview.contribution.js';
import type { FeatureContribution } from './workbench/registry.js';
import { workbenchContribution } from './workbench/workbench.contribution.js';

/**
 * Every feature of the console: one line each. The workbench parts show what
 * these contribute (views in their `order`, commands in this order in the palette).
 */
export const FEATURES: readonly FeatureContribution[] = [
  workbenchContribution,
  overviewContribution,
  keysContribution,
  custodyContribution,
  governanceContribution,
  laterContribution,
  explorerContribution,
  evidenceContribution,
  nodesContribution,
  auditContribution,
];
