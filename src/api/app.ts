/** Builds the Express app from its dependencies; main.ts wires real ones, tests wire real local ones. */
import crypto from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { BlobStore } from '../storage/blob-store';
import { uploadAdmission } from './admission';
import { apiKeyAuth } from './auth';
import path from 'node:path';
import { ApiError, errorHandler, notFoundHandler } from './errors';
import { IdempotencyStore, idempotentPosts } from './idempotency-store';
import { methodGuard } from './method-guard';
import { DEFAULT_SWEEP, UploadSweeper, type SweepOptions } from './upload-sweeper';
import { createApiMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { albumRoutes } from './routes/albums';
import { blobRoutes } from './routes/blobs';
import { consoleRoutes } from './routes/console';
import { consoleApiRoutes } from './routes/console-api';
import { gpuJobRoutes } from './routes/gpu-jobs';
import { healthRoutes } from './routes/health';
import { matchingRoutes } from './routes/matching';
import { moderationRoutes } from './routes/moderation';
import { AlbumResultsService } from './services/album-results-service';
import { AlbumService, type AlbumRunLimits } from './services/album-service';
import { PeopleService } from './services/people-service';
import { peopleRoutes } from './routes/people';
import { peopleStoreFor } from '../people/people-store';
import { LabelSpace } from '../search/word-search';
import { gpuJobServices } from './services/gpu-jobs-service';
import type { GpuTimeouts } from '../shared/task-queues';
import { MatchingService } from './services/matching-service';
import { ModerationService } from './services/moderation-service';
import { createTextServices, type TextServices } from './services/text-services';
import { requestTracing } from './tracing';

export interface AppDeps {
  config: Config;
  client: Client;
  store: BlobStore;
  apiKeys: Map<string, string>;
  signingSecret: string;
  logger: Logger;
  /** Matching and clean-bot dependencies; made from config when not given. */
  text?: TextServices;
  /** Ages and interval of the upload sweeper (tests shorten them). */
  sweep?: SweepOptions;
  tuning?: ApiTuning;
}

/** What tests and benches change in the API that no deployment does; each default lives beside its code. */
export interface ApiTuning {
  /** GPU jobs' timeouts (DEFAULT_GPU_TIMEOUTS). */
  gpuTimeouts?: Partial<GpuTimeouts>;
  /** An album run's limits (ALBUM_RUN_LIMITS). */
  album?: Partial<AlbumRunLimits>;
  /** Files in one multipart request (MAX_FILES_PER_REQUEST). */
  maxFilesPerRequest?: number;
  /** How long one request may wait on Temporal (TEMPORAL_CALL_DEADLINE_MS; tests of an unreachable cluster shorten it). */
  temporalDeadlineMs?: number;
}

/**
 * The largest JSON request is a moderation batch: 64 messages of 2,000 Korean characters are
 * about 400 KB of UTF-8, so 1 MB admits it with room and refuses anything absurd.
 */
const JSON_BODY_LIMIT = '1mb';

/**
 * How long one request may wait on Temporal. Without it the client's retries on an unreachable
 * frontend take ~20 s before failing; with it the answer is a quick 503 TEMPORAL_UNAVAILABLE.
 */
export const TEMPORAL_CALL_DEADLINE_MS = 5_000;

/** Bodies on JSON routes must be JSON: anything else was silently ignored before (issue 13). */
const jsonBodiesOnly: express.RequestHandler = (req, _res, next) => {
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
  if (req.is(['application/json', '+json'])) return next();
  if (req.method === 'POST' && /^\/albums\/[^/]+\/photos\/?$/.test(req.path) && req.is('multipart/form-data')) return next();
  next(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
};

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

export function createApp({
  config,
  client,
  store,
  apiKeys,
  signingSecret,
  logger,
  text = createTextServices(config),
  sweep = DEFAULT_SWEEP,
  tuning = {},
}: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const metrics = createApiMetrics(config.dataDir);

  // First, so everything after it, Temporal calls included, runs inside the request's span.
  app.use(requestTracing());
  app.use(helmet());
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Signed-URL query strings are credentials, API keys live in headers: log neither.
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: String(req.url).split('?')[0] }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  app.use(metrics.middleware);
  // Unsupported methods on known paths (TRACE included) answer 405 with Allow, before anything else.
  app.use(methodGuard(openApiDocument(config.api.publicUrl)));

  app.get('/metrics', metrics.handler);
  app.use(healthRoutes(client, store));
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument(config.api.publicUrl));
  });
  app.use(consoleRoutes(config));
  if (store.kind === 'local') app.use('/v1', blobRoutes(store, signingSecret, config.api.maxUploadBytes));

  const labels = new LabelSpace(text.embedder, path.join(config.dataDir, 'search'));
  // The first search would otherwise embed the label vocabulary (tens of seconds, once per model; cached on disk).
  if (config.env !== 'test') void labels.vectors().catch((err: Error) => logger.warn({ err: err.message }, 'search labels not embedded yet'));
  const people = new PeopleService(store, peopleStoreFor(config, store), config, labels);
  const albums = new AlbumService(client, store, config, people, tuning.album);
  const albumResults = new AlbumResultsService(albums, store, people);
  const webUi = config.temporal.embedded
    ? (workflowId: string) => `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`
    : undefined;
  const idem = new IdempotencyStore(store);
  // Short deadline on a request's Temporal calls, so an unreachable cluster answers 503 quickly
  // (SSE streams set their own per poll).
  const temporalDeadline: express.RequestHandler = (req, res, next) => {
    if (req.path.endsWith('/events')) return next();
    void client.connection
      .withDeadline(
        Date.now() + (tuning.temporalDeadlineMs ?? TEMPORAL_CALL_DEADLINE_MS),
        () =>
          new Promise<void>((resolve) => {
            res.once('close', resolve);
            next();
          }),
      )
      .catch(() => undefined);
  };
  const matching = new MatchingService(client, text.embedder, text.vectors);
  // Everything else under /v1 is the tenant API: authenticated, JSON-parsed and made idempotent once, here.
  const v1 = express.Router();
  v1.use(
    apiKeyAuth(apiKeys),
    uploadAdmission({ perTenant: config.api.uploadsPerTenant, global: config.api.uploadsInFlight }, metrics.registry),
    jsonBodiesOnly,
    express.json({ limit: JSON_BODY_LIMIT }),
    temporalDeadline,
    idempotentPosts(idem),
  );
  const gpuJobs = gpuJobServices(client, store, config, tuning.gpuTimeouts);
  v1.use(consoleApiRoutes(client, config, gpuJobs.monitor));
  v1.use(albumRoutes(albums, albumResults, config, { webUi, maxFilesPerRequest: tuning.maxFilesPerRequest }, idem));
  v1.use(gpuJobRoutes(gpuJobs));
  v1.use(matchingRoutes(matching));
  v1.use(peopleRoutes(people));
  v1.use(moderationRoutes(new ModerationService(text.moderator)));
  app.use('/v1', v1);
  new UploadSweeper({ spoolDir: path.join(config.dataDir, 'tmp', 'uploads'), store, client, logger }, sweep).start();

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
