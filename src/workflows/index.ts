// The workflow bundle's entry: every workflow type the workflow worker registers.
export { AlbumWorkflow } from './album';
export { ProfileWorkflow, ProfileReindexWorkflow } from './matching';
