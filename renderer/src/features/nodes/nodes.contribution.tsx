import type { FeatureContribution } from '../../workbench/registry.js';
import { NodesSide } from './views/NodesSide.js';
import { NodesView } from './views/NodesView.js';

/** Nodes: the custody node's status and its latest blocks (with the explorer's search). */
export const nodesContribution: FeatureContribution = {
  id: 'nodes',
  views: [{ id: 'nodes', title: 'Nodes', order: 90, component: NodesView, sideBar: NodesSide }],
};
