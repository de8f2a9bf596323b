import type { FeatureContribution, ViewContribution } from '../../workbench/registry.js';
import { LATER_VIEWS } from './laterViews.js';
import { LaterSide } from './views/LaterSide.js';
import { LaterView } from './views/LaterView.js';

/** Ceremonies, runbooks and replay: placeholder views saying when they come and what works today. */
export const laterContribution: FeatureContribution = {
  id: 'later',
  views: LATER_VIEWS.map((v): ViewContribution => ({
    ...v,
    component: () => <LaterView view={v.id} />,
    sideBar: () => <LaterSide view={v.id} />,
  })),
};
