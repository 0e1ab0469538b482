/**
 * For a real Temporal cluster (TEMPORAL_ADDRESS set): creates the namespace if it is missing and
 * registers Lightbox's search attributes. Idempotent; run once per deploy.
 *
 *   TEMPORAL_ADDRESS=temporal-frontend:7233 TEMPORAL_NAMESPACE=lightbox npm run temporal:setup
 */
import { Connection } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { ensureNamespace } from './namespace-setup';

async function main() {
  const { temporal } = loadConfig();
  const connection = await Connection.connect({ address: temporal.address, tls: temporal.tls, apiKey: temporal.apiKey });
  try {
    await ensureNamespace(connection, temporal.namespace);
    console.log(`namespace "${temporal.namespace}" on ${temporal.address} has Lightbox's search attributes`);
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
