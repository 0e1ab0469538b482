/** Builds the Express app from its dependencies; main.ts wires real ones, tests wire real local ones. */
import crypto from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { BlobStore } from '../storage/blob-store';
import { apiKeyAuth } from './auth';
import { errorHandler, notFoundHandler } from './errors';
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
import { AlbumService } from './services/album-service';
import { gpuJobServices } from './services/gpu-jobs-service';
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
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

export function createApp({ config, client, store, apiKeys, signingSecret, logger, text = createTextServices(config) }: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const metrics = createApiMetrics();

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

  app.get('/metrics', metrics.handler);
  app.use(healthRoutes(client, store));
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument(config.api.publicUrl));
  });
  app.use(consoleRoutes(config));
  if (store.kind === 'local') app.use('/v1', blobRoutes(store, signingSecret, config.api.maxUploadBytes));

  const albums = new AlbumService(client, store, config);
  const webUi = config.temporal.embedded
    ? (workflowId: string) => `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`
    : undefined;
  const gpuJobs = gpuJobServices(client, store, config);
  app.use('/v1', apiKeyAuth(apiKeys), consoleApiRoutes(client, config, gpuJobs.monitor));
  app.use('/v1', apiKeyAuth(apiKeys), express.json({ limit: config.api.jsonBodyLimit }), albumRoutes(albums, config, { webUi }));
  app.use('/v1', apiKeyAuth(apiKeys), express.json({ limit: config.api.jsonBodyLimit }), gpuJobRoutes(gpuJobs));
  const matching = new MatchingService(client, text.embedder, text.vectors, config.matching);
  app.use('/v1', apiKeyAuth(apiKeys), express.json({ limit: config.api.jsonBodyLimit }), matchingRoutes(matching));
  app.use('/v1', apiKeyAuth(apiKeys), express.json({ limit: config.api.jsonBodyLimit }), moderationRoutes(new ModerationService(text.moderator, config.moderation)));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
