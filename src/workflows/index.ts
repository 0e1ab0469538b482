// The workflow bundle's entry: every workflow type the workflow worker registers.
export { AlbumWorkflow } from './album';
export { StyleTransferWorkflow } from './style-transfer';
export { TuningReportWorkflow } from './tuning-report';
export { ProfileWorkflow, ProfileReindexWorkflow } from './matching';
