/** OpenAPI paths of health, metrics, the document itself, the console's settings and signed blob transfers. */
import { z } from 'zod';
import { blobStoredResponse, consoleConfigResponse, healthResponse, readyResponse } from '../../shared/contract/system';
import { errorResponse, json, ok, pathParameter } from './helpers';

const blobKey = pathParameter('key', z.string().regex(/^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/));

export const systemPaths = {
  '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': ok('The process is up', healthResponse) } } },
  '/readyz': {
    get: {
      summary: 'Readiness: Temporal reachable and storage writable',
      security: [],
      responses: { '200': ok('Ready', readyResponse), '503': errorResponse('A dependency is not ready') },
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
  '/v1/console-config': {
    get: { summary: "The console's settings (where the Temporal Web UI is)", responses: { '200': ok('Settings', consoleConfigResponse) } },
  },
  '/v1/blobs/{key}': {
    get: {
      summary: 'Download through a signed URL (local store only)',
      security: [],
      parameters: [blobKey],
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
      parameters: [blobKey],
      responses: {
        '200': ok('Stored', blobStoredResponse),
        '400': errorResponse('INVALID_BLOB_KEY'),
        '403': errorResponse('Bad or expired signature'),
        '409': errorResponse('UPLOAD_EXISTS: signed uploads are write-once'),
        '422': errorResponse('SIZE_MISMATCH: the body is not the size planned'),
      },
    },
  },
};
