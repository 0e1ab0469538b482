/**
 * The OpenAPI 3.1 document served at GET /v1/openapi.json. Request bodies are generated from the
 * same zod schemas the routes validate with; test/integration checks every path here is routed.
 */
import { z } from 'zod';
import { ERROR_CODES, REJECTION_CODES } from './errors';
import { deleteAlbumQuery, resultsQuery } from './routes/albums';
import { albumListResponse, consoleConfigResponse, jobListResponse, listAlbumsQuery, listJobsQuery } from './routes/console-api';
import * as S from './schemas';
import * as P from './routes/people';
import {
  createAlbumBody,
  createReportBody,
  createStyleBody,
  matchBody,
  moderationBody,
  planUploadsBody,
  profileBody,
  reindexBody,
  signedUploadsBody,
} from './schemas';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const photoIdParameter = { name: 'photoId', in: 'path', required: true, schema: { type: 'string', pattern: '^ph_[a-z0-9]{8,64}$' } };
const albumResults = {
  type: 'object',
  required: ['status', 'highlights', 'duplicates', 'people', 'categories', 'quality', 'failed', 'models'],
  properties: {
    status: { enum: ['processing', 'settling', 'idle', 'completed', 'cancelled'] },
    upToDate: { type: 'boolean', description: 'false while photos are still being analysed or the album step has not run since' },
    highlights: { type: 'array', items: { type: 'string' }, description: 'photoIds, best first; never two of one duplicate group' },
    duplicates: {
      type: 'array',
      items: { type: 'array', items: { type: 'string' } },
      description: 'copies (resized, re-encoded, cropped): perceptual embedding',
    },
    similar: {
      description: 'similar shots (bursts, re-framings) on the semantic embedding: [{photoIds, best}], or {status:"model-not-installed", reason}',
    },
    people: {
      description:
        '[{personId, photoIds, faces, crops:[{photoId, box:{x,y,width,height}}]}] (crops: up to 3 best faces, photo pixels), or {status:"model-not-installed", reason}',
    },
    categories: { type: 'object', additionalProperties: { type: 'object' }, description: 'photoId → {label, names, score} or {status:"model-not-installed"}' },
    quality: {
      type: 'object',
      additionalProperties: { type: 'object' },
      description: 'photoId → {score, blurry, blur, exposure, sharpness, noise, resolution, megapixels}',
    },
    failed: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          photoId: { type: 'string' },
          name: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string' },
          stage: { type: 'string' },
          attempts: { type: 'integer' },
          model: { type: 'string' },
        },
      },
    },
    models: { type: 'object', description: 'the model id@version or classic method behind each kind of result' },
  },
};
const albumIdParameter = { name: 'albumId', in: 'path', required: true, schema: { type: 'string', pattern: '^alb_[a-z0-9]{8,64}$' } };
const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12' });
const idempotencyHeader = { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 200 } };
const jobStatus = (idName: string, progress: object, extra: object) => ({
  type: 'object',
  required: [idName, 'state', 'queue'],
  properties: {
    [idName]: { type: 'string' },
    workflowId: { type: 'string' },
    state: { enum: ['queued', 'running', 'done', 'failed', 'cancelled'] },
    phase: { type: 'string' },
    attempt: { type: 'integer' },
    progress,
    lastFailure: { type: 'string', description: 'Why the previous attempt failed, while a retry is pending or running' },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    queue: {
      type: 'object',
      description: "The GPU class's task queue: approximate backlog (jobs waiting for a GPU slot), its age, and polling workers",
      properties: {
        queue: { type: 'string' },
        backlog: { type: ['integer', 'null'] },
        backlogAgeSeconds: { type: ['number', 'null'] },
        pollers: { type: 'integer' },
      },
    },
    ...extra,
  },
});
const gpuJobPaths = (kind: 'styles' | 'reports', idName: string, idPattern: string, body: z.ZodType, statusRef: string, summary: string) => {
  const idParameter = { name: idName, in: 'path', required: true, schema: { type: 'string', pattern: idPattern } };
  const notFound = errorResponse(`No such ${kind.slice(0, -1)} for this tenant`);
  return {
    [`/v1/${kind}`]: {
      post: {
        summary,
        parameters: [idempotencyHeader],
        requestBody: { required: true, content: json(schema(body)) },
        responses: {
          '202': {
            description: 'Queued (or replayed for a repeated Idempotency-Key); Location names the job',
            headers: { Location: { schema: { type: 'string' } } },
            content: json(schema(S.jobCreatedResponse(idName as 'styleId' | 'reportId'))),
          },
          '400': errorResponse('Invalid body'),
          '401': errorResponse('No or wrong API key'),
          ...(kind === 'styles'
            ? { '404': errorResponse('No such photo in that album (PHOTO_NOT_FOUND), or no such style reference photo in it (STYLE_REFERENCE_NOT_FOUND)') }
            : {}),
        },
      },
    },
    [`/v1/${kind}/{${idName}}`]: {
      get: {
        summary: 'Status: queued / running (with progress) / done / failed / cancelled, and the GPU queue backlog',
        parameters: [idParameter],
        responses: { '200': { description: 'Status', content: json(ref(statusRef)) }, '404': notFound },
      },
      delete: {
        summary: 'Cancel: the GPU activity hears it through its heartbeats and stops the backend',
        parameters: [idParameter],
        responses: {
          '202': { description: 'Cancelled (status after the request)', content: json(ref(statusRef)) },
          '404': notFound,
          '409': errorResponse('Already finished'),
        },
      },
    },
  };
};

const albumStatus = {
  type: 'object',
  required: ['albumId', 'status', 'counts'],
  properties: {
    albumId: { type: 'string' },
    tenantId: { type: 'string' },
    title: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    status: { enum: ['processing', 'settling', 'idle', 'completed', 'cancelled'] },
    analysis: { type: 'integer', description: '1 for the first analysis; each re-analysis is the next number' },
    closeRequested: { type: 'boolean' },
    progress: {
      type: 'object',
      description: 'Per stage: photos {total, done, failed, ratePerSecond, etaSeconds}; album {runs, running, lastDurationMs, upToDate}; cacheHits',
    },
    failed: { type: 'array', description: 'The most recent failures (all of them are in /results)' },
    resultsKey: { type: 'string' },
    counts: {
      type: 'object',
      properties: { total: { type: 'integer' }, analyzed: { type: 'integer' }, failed: { type: 'integer' }, pending: { type: 'integer' } },
    },
  },
};
const rejection = {
  type: 'object',
  properties: { name: { type: 'string' }, code: { enum: [...REJECTION_CODES] }, message: { type: 'string' } },
};
const uploadResult = {
  type: 'object',
  properties: {
    accepted: { type: 'array', items: { type: 'object', properties: { photoId: { type: 'string' }, name: { type: 'string' } } } },
    rejected: { type: 'array', items: ref('Rejection') },
  },
};

function baseDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'Lightbox API', version: '0.1.0', description: 'AI services as durable Temporal workflows.' },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { enum: Object.keys(ERROR_CODES) }, message: { type: 'string' }, details: {} },
            },
          },
        },
        AlbumStatus: albumStatus,
        AlbumResults: albumResults,
        Rejection: rejection,
        UploadResult: uploadResult,
        StyleStatus: jobStatus(
          'styleId',
          { type: 'object', properties: { step: { type: 'integer' }, totalSteps: { type: 'integer' }, fraction: { type: 'number' } } },
          {
            prompt: {
              type: 'object',
              properties: {
                prompt: { type: 'string' },
                negativePrompt: { type: 'string' },
                style: { type: 'string' },
                source: { enum: ['gemini', 'catalogue', 'example'] },
                matcher: { enum: ['keyword', 'gemini', 'e5', 'default'], description: 'Which matcher chose the catalogue style' },
                fallbackReason: { enum: ['no-api-key', 'gemini-failed'] },
              },
            },
            result: {
              type: 'object',
              properties: {
                url: { type: 'string', description: 'Signed download URL of the PNG' },
                urlExpiresAt: { type: 'string' },
                width: { type: 'integer' },
                height: { type: 'integer' },
                backend: { type: 'string', description: 'automatic1111, multistyle26, magenta-arbitrary (style by example) or cpu-sharp' },
                fallback: { type: 'boolean', description: 'true: the colour filter, no A1111 server and no style network installed' },
              },
            },
          },
        ),
        ReportStatus: jobStatus(
          'reportId',
          { type: 'object', properties: { tokens: { type: 'integer', description: 'Tokens streamed so far' } } },
          {
            context: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  source: { enum: ['web', 'music', 'video'] },
                  status: { enum: ['ok', 'skipped', 'failed'] },
                  provider: { type: 'string' },
                  items: { type: 'array' },
                },
              },
            },
            report: {
              type: 'object',
              properties: {
                text: { type: 'string' },
                source: { enum: ['llm', 'template'] },
                model: { type: 'string' },
                tokens: { type: 'object' },
                reportKey: { type: 'string' },
              },
            },
          },
        ),
      },
    },
    paths: {
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': { description: 'The process is up', content: json(schema(S.healthResponse)) } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: Temporal reachable and storage writable',
          security: [],
          responses: { '200': { description: 'Ready', content: json(schema(S.readyResponse)) }, '503': errorResponse('A dependency is not ready') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'Text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/v1/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
      },
      '/v1/albums': {
        get: {
          summary: "The tenant's albums, newest first, paged (from Temporal visibility)",
          parameters: queryParameters(listAlbumsQuery),
          responses: { '200': { description: 'One page of albums', content: json(schema(albumListResponse)) } },
        },
        post: {
          summary: 'Create an album (starts its AlbumWorkflow)',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 200 } }],
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
      '/v1/jobs': {
        get: {
          summary: "The tenant's GPU jobs, newest first, paged, with each GPU queue's backlog and pollers",
          parameters: queryParameters(listJobsQuery),
          responses: { '200': { description: 'One page of jobs', content: json(schema(jobListResponse)) } },
        },
      },
      '/v1/console-config': {
        get: {
          summary: "The console's settings (where the Temporal Web UI is)",
          responses: { '200': { description: 'Settings', content: json(schema(consoleConfigResponse)) } },
        },
      },
      '/v1/albums/{albumId}': {
        get: {
          summary: 'Album status and counts (a workflow query)',
          parameters: [albumIdParameter],
          responses: { '200': { description: 'Status', content: json(ref('AlbumStatus')) }, '404': errorResponse('No such album for this tenant') },
        },
        delete: {
          summary:
            'Cancel the album: in-flight photos stop, the manifest records what was done, status becomes cancelled. With ?purge=true, also delete every blob of the album (photos, thumbnails, analyses, results)',
          parameters: [albumIdParameter, ...queryParameters(deleteAlbumQuery)],
          responses: {
            '200': {
              description: 'Purged (purge=true): the status after cancelling, and how many blobs were deleted',
              content: json(schema(S.purgedResponse)),
            },
            '202': { description: 'Cancelled', content: json(ref('AlbumStatus')) },
            '404': errorResponse('No such album'),
          },
        },
      },
      '/v1/albums/{albumId}/reanalyze': {
        post: {
          summary: 'Analyse a finished album again (e.g. new model versions) as a new run; unchanged models hit the embedding cache',
          parameters: [albumIdParameter],
          responses: {
            '202': { description: 'Re-analysis started', content: json(ref('AlbumStatus')) },
            '404': errorResponse('No such album'),
            '409': errorResponse('ALBUM_NOT_FINISHED: the album is still open or processing'),
          },
        },
      },
      '/v1/albums/{albumId}/photos/{photoId}': {
        get: {
          summary: 'A signed, expiring download URL for one photo',
          parameters: [albumIdParameter, photoIdParameter],
          responses: {
            '200': { description: '{photoId, url, method, expiresAt, headers}', content: json(schema(S.photoUrlResponse)) },
            '404': errorResponse('No such album or photo'),
          },
        },
      },
      '/v1/albums/{albumId}/photos/{photoId}/thumbnail': {
        get: {
          summary: 'A 256-pixel WebP thumbnail of one photo (made once, then cached)',
          parameters: [albumIdParameter, photoIdParameter],
          responses: {
            '200': { description: 'WebP bytes', content: { 'image/webp': { schema: { type: 'string', format: 'binary' } } } },
            '404': errorResponse('No such photo'),
            '422': errorResponse('THUMBNAIL_UNAVAILABLE: the photo cannot be decoded'),
          },
        },
      },
      '/v1/albums/{albumId}/events': {
        get: {
          summary: 'Server-sent events: a `status` event (the AlbumStatus) on every change, heartbeat comments, closed after completed/cancelled',
          parameters: [albumIdParameter],
          responses: {
            '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '404': errorResponse('No such album'),
          },
        },
      },
      '/v1/albums/{albumId}/results': {
        get: {
          summary: 'Highlights, duplicate groups, people, categories, quality per photo, failures, and the models behind them',
          parameters: [albumIdParameter, ...queryParameters(resultsQuery)],
          responses: {
            '200': {
              description: 'Results; per-photo fields and `items` (signed url, thumbnailUrl) cover one page, `page.nextCursor` fetches the next',
              content: json(ref('AlbumResults')),
            },
            '400': errorResponse('INVALID_CURSOR or invalid query'),
            '404': errorResponse('No such album for this tenant'),
          },
        },
      },
      '/v1/albums/{albumId}/close': {
        post: {
          summary: 'Close the album: finish pending photos, write the manifest, complete the workflow',
          parameters: [albumIdParameter],
          responses: { '202': { description: 'Closing', content: json(ref('AlbumStatus')) }, '404': errorResponse('No such album') },
        },
      },
      '/v1/albums/{albumId}/uploads': {
        post: {
          summary: 'Plan direct uploads: signed PUT URLs, one per file',
          parameters: [albumIdParameter],
          requestBody: { required: true, content: json(schema(planUploadsBody)) },
          responses: {
            '201': { description: 'Signed URLs and per-file rejections', content: json(schema(S.planUploadsResponse)) },
            '404': errorResponse('No such album'),
            '409': errorResponse('Album closed'),
          },
        },
      },
      '/v1/albums/{albumId}/photos': {
        post: {
          summary:
            'Add photos: multipart field "photos", or JSON {uploaded:[photoId]} after signed uploads. A file over the size limit or with a bad name is rejected alone',
          parameters: [albumIdParameter, idempotencyHeader],
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
            '202': { description: 'Accepted and rejected files', content: json(ref('UploadResult')) },
            '404': errorResponse('No such album'),
            '409': errorResponse('Album closed'),
            '400': errorResponse('MALFORMED_MULTIPART, NO_FILES or invalid body'),
            '415': errorResponse('Neither multipart nor JSON, or a Content-Encoding'),
            '422': errorResponse('TOO_MANY_FILES or IDEMPOTENCY_KEY_REUSED'),
          },
        },
      },
      ...gpuJobPaths(
        'styles',
        'styleId',
        '^sty_[a-z0-9]{8,64}$',
        createStyleBody,
        'StyleStatus',
        'Restyle an album photo from a free-text request (StyleTransferWorkflow)',
      ),
      ...gpuJobPaths(
        'reports',
        'reportId',
        '^rep_[a-z0-9]{8,64}$',
        createReportBody,
        'ReportStatus',
        'Write a tuning report for two profiles (TuningReportWorkflow)',
      ),
      ...matchingAndModerationPaths(),
      ...peopleAndSearchPaths(),
      '/v1/blobs/{key}': {
        get: {
          summary: 'Download through a signed URL (local store only)',
          security: [],
          parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._=-]+(/[A-Za-z0-9._=-]+)*$' } }],
          responses: {
            '200': { description: 'The bytes', content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
            '400': errorResponse('INVALID_BLOB_KEY'),
            '403': errorResponse('Bad or expired signature'),
            '404': errorResponse('Nothing stored there'),
          },
        },
        put: {
          summary: 'Upload through a signed URL (local store only)',
          security: [],
          parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._=-]+(/[A-Za-z0-9._=-]+)*$' } }],
          responses: {
            '200': { description: 'Stored', content: json(schema(S.blobStoredResponse)) },
            '400': errorResponse('INVALID_BLOB_KEY'),
            '403': errorResponse('Bad or expired signature'),
            '409': errorResponse('UPLOAD_EXISTS: signed uploads are write-once'),
            '422': errorResponse('SIZE_MISMATCH: the body is not the size planned'),
          },
        },
      },
    },
  };
}

const userIdParameter = { name: 'userId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._@-]{1,128}$' } };
const jobIdParameter = { name: 'jobId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,300}$' } };
const reindexProgress = {
  description: 'Progress of the re-index: state (running, paused, completed), offset, reindexed, unchanged, runs',
  content: json(schema(S.reindexProgressResponse)),
};

function matchingAndModerationPaths() {
  return {
    '/v1/profiles/{userId}': {
      put: {
        summary: 'Index a profile (ProfileWorkflow: embed on the CPU queue, upsert on the I/O queue); fields are filterable metadata',
        parameters: [userIdParameter],
        requestBody: { required: true, content: json(schema(profileBody)) },
        responses: {
          '200': {
            description: '{userId, indexed, embedding, method}: method is onnx or char-ngram-tfidf (fallback)',
            content: json(schema(S.profileIndexedResponse)),
          },
          '400': errorResponse('EMPTY_TEXT or invalid body'),
          '422': errorResponse('TEXT_TOO_LONG'),
        },
      },
      delete: {
        summary: 'Remove a profile from the index',
        parameters: [userIdParameter],
        responses: { '200': { description: '{userId, deleted: true}', content: json(schema(S.profileDeletedResponse)) }, '404': errorResponse('UNKNOWN_USER') },
      },
    },
    '/v1/match': {
      post: {
        summary: 'Top-k most similar profiles to a user (its stored vector) or a text, within the filters; never the user itself',
        requestBody: { required: true, content: json(schema(matchBody)) },
        responses: {
          '200': { description: '{results:[{userId, score}], k, method, embedding}', content: json(schema(S.matchResponse)) },
          '400': errorResponse('K_OUT_OF_RANGE, EMPTY_TEXT or invalid body'),
          '404': errorResponse('UNKNOWN_USER'),
          '422': errorResponse('TEXT_TOO_LONG'),
        },
      },
    },
    '/v1/profiles/reindex': {
      post: {
        summary: "Re-embed the tenant's profiles from another embedding's collection into the current one (ProfileReindexWorkflow)",
        requestBody: { required: true, content: json(schema(reindexBody)) },
        responses: { '202': { description: '{jobId, workflowId}', content: json(schema(S.reindexStartedResponse)) }, '400': errorResponse('Invalid body') },
      },
    },
    '/v1/profiles/reindex/{jobId}': {
      get: {
        summary: 'Re-index progress (a workflow query)',
        parameters: [jobIdParameter],
        responses: { '200': reindexProgress, '404': errorResponse('REINDEX_NOT_FOUND') },
      },
    },
    '/v1/profiles/reindex/{jobId}/pause': {
      post: {
        summary: 'Pause the re-index after the current page',
        parameters: [jobIdParameter],
        responses: { '200': reindexProgress, '404': errorResponse('REINDEX_NOT_FOUND') },
      },
    },
    '/v1/profiles/reindex/{jobId}/resume': {
      post: {
        summary: 'Resume a paused re-index',
        parameters: [jobIdParameter],
        responses: { '200': reindexProgress, '404': errorResponse('REINDEX_NOT_FOUND') },
      },
    },
    '/v1/moderation/chat': {
      post: {
        summary: 'Clean-bot: per message {id, toxic, score, labels, method}; concurrent requests share micro-batched inference runs',
        requestBody: { required: true, content: json(schema(moderationBody)) },
        responses: {
          '200': {
            description:
              '{results:[{id, toxic, score, labels, method, model, headScore?, scores?, truncated?, matches?}]}: method is e5-head+lexicon (default), onnx (a pulled classifier) or lexicon (fallback)',
            content: json(schema(S.moderationResponse)),
          },
          '400': errorResponse('EMPTY_TEXT, DUPLICATE_MESSAGE_ID or invalid body'),
          '422': errorResponse('TEXT_TOO_LONG or TOO_MANY_MESSAGES'),
        },
      },
    },
  };
}

const personIdParameter = { name: 'personId', in: 'path', required: true, schema: schema(P.personIdParam) };
const personResponse = {
  description:
    '{personId, name, hidden, faces, photos, albums, cover:{faceId, albumId, photoId, box, cropUrl}, faceList:[{faceId, albumId, photoId, box, score, cropUrl}], mergedFrom?}',
  content: json({ type: 'object', required: ['personId', 'name', 'hidden', 'faces'] }),
};

/** People across a tenant's albums (corrections included) and word search (docs/people-and-search.md). */
function peopleAndSearchPaths() {
  return {
    '/v1/people': {
      get: {
        summary: "The tenant's people across albums, named first then by face count, with a cover crop (signed URL) each",
        parameters: queryParameters(P.listPeopleQuery),
        responses: { '200': { description: '{items:[person], nextCursor, page}', content: json({ type: 'object' }) }, '400': errorResponse('INVALID_CURSOR') },
      },
    },
    '/v1/people/{personId}': {
      get: {
        summary: 'One person with their faces (a merged-away id answers the person it went into, with mergedFrom)',
        parameters: [personIdParameter],
        responses: { '200': personResponse, '404': errorResponse('PERSON_NOT_FOUND') },
      },
      patch: {
        summary: 'Rename (name; null clears it), hide or show (hidden), or choose the cover face (coverFaceId)',
        parameters: [personIdParameter],
        requestBody: { required: true, content: json(schema(P.patchPersonBody)) },
        responses: {
          '200': personResponse,
          '404': errorResponse('PERSON_NOT_FOUND or FACE_NOT_FOUND'),
          '409': errorResponse("FACE_NOT_IN_PERSON: the cover face is not this person's"),
          '415': errorResponse('UNSUPPORTED_MEDIA_TYPE'),
          '422': errorResponse('INVALID_PERSON_NAME: over 100 characters or with control characters'),
        },
      },
    },
    '/v1/people/{personId}/photos': {
      get: {
        summary: "The person's photos across albums, with signed URLs and the faces in each",
        parameters: [personIdParameter, ...queryParameters(P.personPhotosQuery)],
        responses: {
          '200': {
            description: '{personId, items:[{albumId, photoId, name, url, urlExpiresAt, thumbnailUrl, faces}], nextCursor, page}',
            content: json({ type: 'object' }),
          },
          '404': errorResponse('PERSON_NOT_FOUND'),
        },
      },
    },
    '/v1/people/{personId}/merge': {
      post: {
        summary: 'Merge people into this one (A + B → A): their faces become its, their ids redirect to it. Repeating a merge answers the same',
        parameters: [personIdParameter],
        requestBody: { required: true, content: json(schema(P.mergePeopleBody)) },
        responses: {
          '200': { description: '{personId, merged:[ids], person}', content: json({ type: 'object' }) },
          '404': errorResponse('PERSON_NOT_FOUND: this or one of personIds'),
          '422': errorResponse('MERGE_INTO_ITSELF'),
        },
      },
    },
    '/v1/people/{personId}/faces/{faceId}/move': {
      post: {
        summary: 'Move a face out of this person: into toPersonId, or into a new person (201) when none is given',
        parameters: [personIdParameter, { name: 'faceId', in: 'path', required: true, schema: schema(P.faceIdParam) }],
        requestBody: { required: false, content: json(schema(P.moveFaceBody)) },
        responses: {
          '200': { description: '{face, from, to, created:false, person}', content: json({ type: 'object' }) },
          '201': { description: '{face, from, to, created:true, person}: a new person', content: json({ type: 'object' }) },
          '404': errorResponse('PERSON_NOT_FOUND or FACE_NOT_FOUND'),
          '409': errorResponse("FACE_NOT_IN_PERSON: the face is not this person's"),
        },
      },
    },
    '/v1/search': {
      get: {
        summary:
          "Photos by words, Korean or English: the query against each photo's stored labels through the multilingual sentence model, and person names; each hit says why",
        parameters: queryParameters(P.searchQuery),
        responses: {
          '200': {
            description:
              '{query, embedding, method, matchedLabels:[{text, score}], items:[{albumId, photoId, name, url, thumbnailUrl, score, reasons:[{kind:"label", label, score, confidence} | {kind:"person", personId, name, score}]}], nextCursor, page}',
            content: json({ type: 'object' }),
          },
          '404': errorResponse('PERSON_NOT_FOUND (personId filter)'),
        },
      },
    },
  };
}

/** Query parameters from a zod object schema (the same one the route parses with). */
function queryParameters(obj: z.ZodObject) {
  const js = schema(obj) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: (js.required ?? []).includes(name) && !('default' in s),
    schema: s,
  }));
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** `get /v1/albums/{albumId}/results` → `getAlbumResults`-style ids: stable, unique per operation. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((seg) => seg && seg !== 'v1')
    .map((seg) => (seg.startsWith('{') ? `By${seg.slice(1, -1)}` : seg))
    .flatMap((seg) => seg.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

interface OperationDoc {
  operationId?: string;
  responses: Record<string, unknown>;
  parameters?: { name?: string }[];
}

/**
 * The document, with what every operation shares filled in once: an operationId, the error
 * answers any route can give (405, 415, 503 with Retry-After), and the Idempotency-Key header on
 * every POST.
 */
export function openApiDocument(serverUrl: string) {
  const doc = baseDocument(serverUrl);
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, OperationDoc | undefined>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId ??= operationIdOf(method, path);
      op.responses['405'] ??= errorResponse('METHOD_NOT_ALLOWED (the Allow header lists what is)');
      if (path.startsWith('/v1/') && path !== '/v1/openapi.json' && !path.startsWith('/v1/blobs')) {
        op.responses['401'] ??= errorResponse('No or wrong API key');
        op.responses['400'] ??= errorResponse('VALIDATION_FAILED, INVALID_PATH and other malformed input');
        op.responses['503'] ??= {
          ...errorResponse('TEMPORAL_UNAVAILABLE: retry after the Retry-After seconds'),
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
        };
      }
      if (method === 'post' || method === 'put') {
        op.responses['413'] ??= errorResponse('PAYLOAD_TOO_LARGE: the body is over the size limit');
        op.responses['415'] ??= errorResponse('UNSUPPORTED_MEDIA_TYPE or UNSUPPORTED_CONTENT_ENCODING');
      }
      if (method === 'post' && path.startsWith('/v1/') && !op.parameters?.some((p) => p.name === 'Idempotency-Key')) {
        op.parameters = [...(op.parameters ?? []), idempotencyHeader];
      }
      if (method === 'post' && path.startsWith('/v1/')) {
        op.responses['422'] ??= errorResponse('IDEMPOTENCY_KEY_REUSED or a semantic limit');
      }
    }
  }
  return doc;
}
