/** Connections to the Temporal frontend, client side (API, scripts) and worker side. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { clientInterceptors } from '../telemetry/temporal-interceptors';

type TemporalConfig = Config['temporal'];

export async function connectClient(t: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect({ address: t.address, tls: t.tls, apiKey: t.apiKey });
  return new Client({ connection, namespace: t.namespace, interceptors: clientInterceptors() });
}

export function connectWorker(t: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: t.address, tls: t.tls, apiKey: t.apiKey });
}
