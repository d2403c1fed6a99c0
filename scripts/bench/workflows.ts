// The benchmark worker's workflows: riposte's own plus the hand-written baseline.
export * from '../../workflows';
export { baseline } from './baseline-workflow';
