/**
 * The OpenAPI 3.1 document served at GET /v1/openapi.json, generated from the zod schemas in
 * src/shared/contract/ (the routes validate requests with the same objects, and the console takes
 * its types from them). Each resource's paths are in src/api/paths/<resource>.ts: a new route adds
 * its schemas to the resource's contract module and its operation to the matching paths module.
 * test/integration checks every path here is routed.
 */
import { albumResultsResponse, albumStatusResponse, albumViewSchema, uploadResultResponse } from '../shared/contract/albums';
import { rejectionSchema } from '../shared/contract/common';
import { reportStatusResponse, styleStatusResponse } from '../shared/contract/gpu-jobs';
import { ERROR_CODES } from './errors';
import { albumPaths } from './paths/albums';
import { gpuJobPaths } from './paths/gpu-jobs';
import { errorResponse, idempotencyHeader, schema } from './paths/helpers';
import { matchingPaths } from './paths/matching';
import { peopleAndSearchPaths } from './paths/people';
import { systemPaths } from './paths/system';

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
        AlbumView: schema(albumViewSchema),
        AlbumStatus: schema(albumStatusResponse),
        AlbumResults: schema(albumResultsResponse),
        Rejection: schema(rejectionSchema),
        UploadResult: schema(uploadResultResponse),
        StyleStatus: schema(styleStatusResponse),
        ReportStatus: schema(reportStatusResponse),
      },
    },
    paths: { ...systemPaths, ...albumPaths, ...gpuJobPaths, ...matchingPaths, ...peopleAndSearchPaths },
  };
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
        // Anything that writes to the data dir can find it full (docs/reliability.md).
        op.responses['507'] ??= {
          ...errorResponse('INSUFFICIENT_STORAGE: the disk is full; nothing was kept'),
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
        };
        if (path === '/v1/albums/{albumId}/photos') {
          op.responses['429'] ??= {
            ...errorResponse('TOO_MANY_UPLOADS: this tenant has too many uploads in flight; retry after Retry-After'),
            headers: { 'Retry-After': { schema: { type: 'integer' } } },
          };
        }
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
