/** The album contract shared by the workflow, its activities and the API. Types and constants only. */

export interface PhotoRef {
  photoId: string;
  /** The client's file name, shown back in results and errors. */
  name: string;
  /** Blob key of the original upload. */
  key: string;
  /** Content type the client declared, checked against the bytes. */
  contentType?: string;
}

export interface AlbumWorkflowInput {
  tenantId: string;
  albumId: string;
  title?: string;
  createdAt: string;
  /** Close the album by itself after this long with no new photos. */
  idleCloseMs: number;
  /** How many photo activities run at once for this album. */
  parallelism: number;
  /** Photos already uploaded when the album was created. */
  photos?: PhotoRef[];
}

export interface PhotoAnalysis {
  photoId: string;
  name: string;
  width: number;
  height: number;
  format: string;
  sizeBytes: number;
  /** Laplacian variance of the luminance at ≤1024 px: low means blurry. */
  blur: { laplacianVariance: number; blurry: boolean };
  exposure: { meanLuminance: number; shadowClipping: number; highlightClipping: number; verdict: 'under' | 'over' | 'ok' };
  /** Which code produced this result, so a later model change can tell what to redo. */
  method: string;
  /** Blob key of the full per-photo result document. */
  resultKey: string;
}

export interface PhotoFailure {
  photoId: string;
  name: string;
  code: string;
  message: string;
  stage: 'decode';
}

export type AlbumStatus = 'processing' | 'idle' | 'completed';

export interface AlbumCounts {
  total: number;
  analyzed: number;
  failed: number;
  pending: number;
}

export interface AlbumStatusView {
  albumId: string;
  tenantId: string;
  title?: string;
  createdAt: string;
  status: AlbumStatus;
  closeRequested: boolean;
  counts: AlbumCounts;
}

export interface AlbumResultsView extends AlbumStatusView {
  photos: PhotoAnalysis[];
  failed: PhotoFailure[];
}

export interface AddPhotosRequest {
  photos: PhotoRef[];
}

export interface AddPhotosResult {
  accepted: Array<{ photoId: string; name: string }>;
  /** Photos the album already had (a retried request): not queued twice. */
  duplicates: Array<{ photoId: string; name: string }>;
}

export interface AlbumSummary {
  albumId: string;
  counts: AlbumCounts;
  /** Blob key of the album's results manifest. */
  manifestKey: string;
}

export function albumWorkflowId(tenantId: string, albumId: string): string {
  return `album-${tenantId}-${albumId}`;
}
