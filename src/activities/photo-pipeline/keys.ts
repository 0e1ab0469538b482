/** Where the photo pipeline keeps its results: per album, per analysis, never in workflow history. */
import { tenantKey } from '../../storage/keys';

const analysisPrefix = (tenantId: string, albumId: string, analysisId: string) => tenantKey(tenantId, 'albums', albumId, 'analyses', analysisId);

/** Folder of one analysis's per-photo result documents (listed by the album step). */
export function photoDocsPrefix(tenantId: string, albumId: string, analysisId: string): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/photos/`;
}

/** Failure records of one analysis: a photo that could not be analysed still has its record. */
export function failureDocsPrefix(tenantId: string, albumId: string, analysisId: string): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/failures/`;
}

export function failureDocKey(tenantId: string, albumId: string, analysisId: string, photoId: string): string {
  return `${failureDocsPrefix(tenantId, albumId, analysisId)}${photoId}.json`;
}

export function photoDocKey(tenantId: string, albumId: string, analysisId: string, photoId: string): string {
  return `${photoDocsPrefix(tenantId, albumId, analysisId)}${photoId}.json`;
}

/** The album-level results the API serves. */
export function albumResultsKey(tenantId: string, albumId: string, analysisId: string): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/album.json`;
}

/** Workflow state carried across continue-as-new, by reference. */
export function pipelineStateKey(tenantId: string, albumId: string, analysisId: string, runIndex: number): string {
  return `${analysisPrefix(tenantId, albumId, analysisId)}/state/run-${runIndex}.json`;
}
