/** The API process: config → telemetry → Temporal client → store → Express. */
import pino from 'pino';
import { loadConfig } from '../config';
import { resolveApiKeys, resolveSigningSecret } from '../config/secrets';
import { collectProcessMetrics } from '../telemetry/metrics';
import { startTelemetry } from '../telemetry/otel';
import { startBacklogCollector } from '../telemetry/queue-backlog';
import { connectClient } from '../temporal-client/connection';
import { blobStoreFromConfig } from '../storage/from-config';
import { createApp } from './app';
import { answerClientErrors } from './errors';

async function main() {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, base: { component: 'api' } });
  const telemetry = startTelemetry(config, 'api');
  collectProcessMetrics('api');
  const { keys, devKey } = resolveApiKeys(config);
  if (devKey) {
    logger.warn({ tenant: devKey.tenant, file: devKey.file }, 'LIGHTBOX_API_KEYS is unset: using the embedded dev key');
    console.log(`Dev API key (tenant "${devKey.tenant}"): ${devKey.key}  (kept in ${devKey.file})`);
  }
  const client = await connectClient(config.temporal);
  const store = blobStoreFromConfig(config);
  // Every API replica exports the same backlog gauges; dashboards and alerts take max() by queue.
  const backlog =
    config.telemetry.backlogPollMs > 0
      ? startBacklogCollector({
          workflowService: client.workflowService,
          namespace: config.temporal.namespace,
          intervalMs: config.telemetry.backlogPollMs,
          onError: (err, taskQueue) => logger.warn({ err: err.message, taskQueue }, 'task-queue backlog unavailable'),
        })
      : undefined;
  const app = createApp({ config, client, store, apiKeys: keys, signingSecret: resolveSigningSecret(config), logger });
  const server = app.listen(config.api.port, () => {
    logger.info({ port: config.api.port, temporal: config.temporal.address, namespace: config.temporal.namespace }, 'api listening');
  });
  answerClientErrors(server);
  const stop = () => {
    logger.info('api stopping');
    backlog?.stop();
    server.close(() => {
      void (async () => {
        await client.connection.close();
        await telemetry.shutdown();
        process.exit(0);
      })();
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
