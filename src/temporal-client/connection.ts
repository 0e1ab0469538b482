/**
 * The one place Lightbox connects to the Temporal frontend (API, workers, scripts, the cluster
 * setup Job), so address, TLS and API key are read the same way everywhere. The root temporal/
 * folder is the server side only (dev server, dynamic config, namespace setup).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { clientInterceptors } from '../telemetry/temporal-interceptors';

type TemporalConfig = Config['temporal'];

const options = (t: TemporalConfig) => ({ address: t.address, tls: t.tls, apiKey: t.apiKey });

/** A bare client-side connection, for operator and workflow-service calls (namespace setup). */
export function connectTemporal(t: TemporalConfig): Promise<Connection> {
  return Connection.connect(options(t));
}

export async function connectClient(t: TemporalConfig): Promise<Client> {
  return clientFor(t, await connectTemporal(t));
}

/** A client that connects on first use: for an app built before the frontend is reachable (benchmarks). */
export function lazyClient(t: TemporalConfig): Client {
  return clientFor(t, Connection.lazy(options(t)));
}

function clientFor(t: TemporalConfig, connection: Connection): Client {
  return new Client({ connection, namespace: t.namespace, interceptors: clientInterceptors() });
}

export function connectWorker(t: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(options(t));
}
