/** Real Temporal servers for tests: the dev server (integration) and the time-skipping server (workflows). */
import net from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config';
import { SA } from '../../src/shared/search-attributes';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { ensureSearchAttributes } from '../../temporal/namespace-setup';
import { findTemporalCli, findTestServer, testingExecutable } from '../../temporal/find-cli';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const env = loadConfig();
const search = (explicitPath?: string) => ({ explicitPath, searchPath: env.temporal.searchPath });

/** A headless, in-memory dev server with the lightbox namespace and search attributes. */
export async function startTestDevServer(opts: { dbFile?: string; port?: number } = {}): Promise<DevServer> {
  return startDevServer({
    cli: findTemporalCli(search(env.temporal.cliPath)),
    port: opts.port ?? (await freePort()),
    uiPort: await freePort(),
    namespace: 'lightbox',
    dbFile: opts.dbFile,
    headless: true,
  });
}

/** Java time-skipping server: time is global to it, so workflow test files run serially. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const testEnv = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: testingExecutable(findTestServer(search(env.temporal.testServerPath))) },
  });
  await ensureSearchAttributes(testEnv.connection, testEnv.namespace ?? 'default');
  return testEnv;
}

export { SA };
