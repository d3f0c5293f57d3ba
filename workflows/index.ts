// The workflow bundle's entry: every workflow type the worker registers.
export { projectWorkflow } from './project.workflow.js';
export { monthlyRanking, monthlyRankingTick } from './ranking.workflow.js';
export { rectificationWorkflow } from './rectification.workflow.js';
export { rectificationIssueWorkflow } from './rectification-issue.workflow.js';
export { complaintWorkflow } from './complaint.workflow.js';
