import type { FeatureContribution } from '../../workbench/registry.js';
import { OverviewSide } from './views/OverviewSide.js';
import { OverviewView } from './views/OverviewView.js';

/** The Overview: the workspace, the node and the first steps. */
export const overviewContribution: FeatureContribution = {
  id: 'overview',
  views: [{ id: 'overview', title: 'Overview', order: 10, component: OverviewView, sideBar: OverviewSide }],
};
