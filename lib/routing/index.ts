export type { Router, RouteInput, RouteDecision } from './Router';
export { HeuristicRouter } from './HeuristicRouter';
