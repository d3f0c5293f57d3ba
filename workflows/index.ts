// The workflow bundle's entry: every workflow type the worker registers.
export { projectWorkflow } from './project.workflow.js';
export { monthlyRanking, monthlyRankingTick } from './ranking.workflow.js';
