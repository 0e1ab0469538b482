/**
 * For a real Temporal cluster (TEMPORAL_ADDRESS set): creates the namespace if it is missing and
 * registers Lightbox's search attributes. Idempotent; run once per deploy.
 *
 *   TEMPORAL_ADDRESS=temporal-frontend:7233 TEMPORAL_NAMESPACE=lightbox npm run temporal:setup
 */
import { loadConfig } from '../src/config';
import { connectTemporal } from '../src/temporal-client/connection';
import { ensureNamespace } from './namespace-setup';

async function main() {
  const { temporal } = loadConfig();
  const connection = await connectTemporal(temporal);
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
