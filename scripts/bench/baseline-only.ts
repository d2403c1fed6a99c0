// The hand-written baseline alone: the workflows of a worker that runs nothing but it (its memory is measured on its own).
export { baseline } from './baseline-workflow';
