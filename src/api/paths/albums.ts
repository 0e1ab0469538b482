/** OpenAPI paths of the album routes (src/api/routes/albums.ts, console-api.ts), from the album contract. */
import {
  albumListResponse,
  createAlbumBody,
  deleteAlbumQuery,
  listAlbumsQuery,
  photoUrlResponse,
  planUploadsBody,
  planUploadsResponse,
  purgedResponse,
  resultsQuery,
  signedUploadsBody,
} from '../../shared/contract/albums';
import { albumIdParam, photoIdSchema } from '../../shared/contract/common';
import { errorResponse, idempotencyHeader, json, ok, pathParameter, queryParameters, ref, schema } from './helpers';

const albumId = pathParameter('albumId', albumIdParam);
const photoId = pathParameter('photoId', photoIdSchema);

export const albumPaths = {
  '/v1/albums': {
    get: {
      summary: "The tenant's albums, newest first, paged (from Temporal visibility)",
      parameters: queryParameters(listAlbumsQuery),
      responses: { '200': ok('One page of albums', albumListResponse) },
    },
    post: {
      summary: 'Create an album (starts its AlbumWorkflow)',
      parameters: [idempotencyHeader],
      requestBody: { content: json(schema(createAlbumBody)) },
      responses: {
        '201': {
          description: 'Created (or replayed for a repeated Idempotency-Key); Location names the album',
          headers: { Location: { schema: { type: 'string' } } },
          content: json(ref('AlbumStatus')),
        },
        '400': errorResponse('Invalid body'),
        '401': errorResponse('No or wrong API key'),
      },
    },
  },
  '/v1/albums/{albumId}': {
    get: {
      summary: 'Album status and counts (a workflow query)',
      parameters: [albumId],
      responses: { '200': ok('Status', ref('AlbumStatus')), '404': errorResponse('No such album for this tenant') },
    },
    delete: {
      summary:
        'Cancel the album: in-flight photos stop, the manifest records what was done, status becomes cancelled. With ?purge=true, also delete every blob of the album (photos, thumbnails, analyses, results)',
      parameters: [albumId, ...queryParameters(deleteAlbumQuery)],
      responses: {
        '200': ok('Purged (purge=true): the status after cancelling, and how many blobs were deleted', purgedResponse),
        '202': ok('Cancelled', ref('AlbumView')),
        '404': errorResponse('No such album'),
      },
    },
  },
  '/v1/albums/{albumId}/reanalyze': {
    post: {
      summary: 'Analyse a finished album again (e.g. new model versions) as a new run; unchanged models hit the embedding cache',
      parameters: [albumId],
      responses: {
        '202': ok('Re-analysis started', ref('AlbumView')),
        '404': errorResponse('No such album'),
        '409': errorResponse('ALBUM_NOT_FINISHED: the album is still open or processing'),
      },
    },
  },
  '/v1/albums/{albumId}/photos/{photoId}': {
    get: {
      summary: 'A signed, expiring download URL for one photo',
      parameters: [albumId, photoId],
      responses: { '200': ok('{photoId, url, method, expiresAt, headers}', photoUrlResponse), '404': errorResponse('No such album or photo') },
    },
  },
  '/v1/albums/{albumId}/photos/{photoId}/thumbnail': {
    get: {
      summary: 'A 256-pixel WebP thumbnail of one photo (made once, then cached)',
      parameters: [albumId, photoId],
      responses: {
        '200': { description: 'WebP bytes', content: { 'image/webp': { schema: { type: 'string', format: 'binary' } } } },
        '404': errorResponse('No such photo'),
        '422': errorResponse('THUMBNAIL_UNAVAILABLE: the photo cannot be decoded'),
      },
    },
  },
  '/v1/albums/{albumId}/events': {
    get: {
      summary: 'Server-sent events: a `status` event (the AlbumView) on every change, heartbeat comments, closed after completed/cancelled',
      parameters: [albumId],
      responses: {
        '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '404': errorResponse('No such album'),
      },
    },
  },
  '/v1/albums/{albumId}/results': {
    get: {
      summary: 'Highlights, duplicate groups with the kept photo, people, categories, quality per photo, failures, and the models behind them',
      parameters: [albumId, ...queryParameters(resultsQuery)],
      responses: {
        '200': ok('Results; per-photo fields and `items` (signed url, thumbnailUrl) cover one page, `page.nextCursor` fetches the next', ref('AlbumResults')),
        '400': errorResponse('INVALID_CURSOR or invalid query'),
        '404': errorResponse('No such album for this tenant'),
      },
    },
  },
  '/v1/albums/{albumId}/close': {
    post: {
      summary: 'Close the album: finish pending photos, write the manifest, complete the workflow',
      parameters: [albumId],
      responses: { '202': ok('Closing', ref('AlbumView')), '404': errorResponse('No such album') },
    },
  },
  '/v1/albums/{albumId}/uploads': {
    post: {
      summary: 'Plan direct uploads: signed PUT URLs, one per file',
      parameters: [albumId],
      requestBody: { required: true, content: json(schema(planUploadsBody)) },
      responses: {
        '201': ok('Signed URLs and per-file rejections', planUploadsResponse),
        '404': errorResponse('No such album'),
        '409': errorResponse('Album closed'),
      },
    },
  },
  '/v1/albums/{albumId}/photos': {
    post: {
      summary:
        'Add photos: multipart field "photos", or JSON {uploaded:[photoId]} after signed uploads. A file over the size limit or with a bad name is rejected alone',
      parameters: [albumId, idempotencyHeader],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: { type: 'object', properties: { photos: { type: 'array', items: { type: 'string', format: 'binary' } } } },
          },
          ...json(schema(signedUploadsBody)),
        },
      },
      responses: {
        '202': ok('Accepted and rejected files', ref('UploadResult')),
        '404': errorResponse('No such album'),
        '409': errorResponse('Album closed'),
        '400': errorResponse('MALFORMED_MULTIPART, NO_FILES or invalid body'),
        '415': errorResponse('Neither multipart nor JSON, or a Content-Encoding'),
        '422': errorResponse('TOO_MANY_FILES or IDEMPOTENCY_KEY_REUSED'),
      },
    },
  },
};
