// The workflows the worker registers.
export { runChain, statusQuery } from './run-chain';
