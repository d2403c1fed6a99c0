// The workflows the worker registers.
export { runChain, statusQuery } from './run-chain';
export { runSegment } from './run-segment';
