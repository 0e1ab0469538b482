/**
 * Starts the embedded Temporal dev server: `temporal server start-dev` with SQLite persistence
 * under the data dir (workflows survive a restart), the Web UI, the lightbox namespace and our
 * search attributes. Without a local binary it falls back to the SDK's download (internet only).
 *
 * Run alone with `npm run temporal:dev`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type Config } from '../src/config';
import { SA, SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/shared/search-attributes';
import { dynamicConfigArgs } from './dynamic-config';
import { findTemporalCli, INSTALL_HINT, TemporalBinaryNotFoundError, type FoundBinary } from './find-cli';
import { ensureNamespace } from './namespace-setup';

export interface DevServerOptions {
  cli?: FoundBinary | null;
  ip?: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  /** Where the server's own log goes (default: discarded). */
  logFile?: string;
  headless?: boolean;
  /** Keep the terminal's Ctrl-C away from the server so its owner can stop it last. */
  ownProcessGroup?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  source: FoundBinary['source'] | 'sdk-download';
  stop(): Promise<void>;
}

export function devServerArgs(o: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip ?? '127.0.0.1', '--port', String(o.port), '--namespace', o.namespace];
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.headless) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  for (const sa of SEARCH_ATTRIBUTE_DEFINITIONS) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  args.push(...dynamicConfigArgs(), '--log-format', 'json', '--log-level', 'warn');
  return args;
}

async function waitForFrontend(address: string, namespace: string, child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode} while starting`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await ensureNamespace(connection, namespace);
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const ip = o.ip ?? '127.0.0.1';
  const address = `${ip}:${o.port}`;
  const uiUrl = o.headless ? undefined : `http://localhost:${o.uiPort}`;
  if (o.dbFile) fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });

  if (!o.cli) {
    // Last resort: the SDK downloads the CLI (needs internet) and runs the same dev server.
    try {
      const env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'cached-download' },
          ip,
          port: o.port,
          namespace: o.namespace,
          dbFilename: o.dbFile,
          ui: !o.headless,
          uiPort: o.headless ? undefined : o.uiPort,
          extraArgs: [...dynamicConfigArgs()],
          searchAttributes: Object.values(SA),
        },
      });
      await waitForFrontend(address, o.namespace, undefined, 60_000);
      return { address, uiUrl, source: 'sdk-download', stop: () => env.teardown() };
    } catch (err) {
      throw new TemporalBinaryNotFoundError(
        `No Temporal CLI found (TEMPORAL_CLI_PATH, PATH, .tools/py/bin) and the SDK could not download one (${(err as Error).message}). ${INSTALL_HINT}`,
      );
    }
  }

  const log = o.logFile ? fs.openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(o.cli.path, devServerArgs(o), { stdio: ['ignore', log, log], detached: o.ownProcessGroup ?? false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForFrontend(address, o.namespace, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl,
    source: o.cli.source,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (typeof log === 'number') fs.closeSync(log);
    },
  };
}

/** The dev server as the embedded stack configures it. */
export function startConfiguredDevServer(config: Config, logFile?: string, extra: Partial<DevServerOptions> = {}): Promise<DevServer> {
  return startDevServer({
    ...extra,
    cli: findTemporalCli({ explicitPath: config.temporal.cliPath, searchPath: config.temporal.searchPath }),
    port: config.temporal.devPort,
    uiPort: config.temporal.uiPort,
    namespace: config.temporal.namespace,
    dbFile: config.temporal.dbFile,
    logFile,
  });
}

if (require.main === module) {
  const config = loadConfig();
  if (!config.temporal.embedded) {
    console.log(`TEMPORAL_ADDRESS=${config.temporal.address} is set: using that cluster, starting nothing.`);
    process.exit(0);
  }
  startConfiguredDevServer(config).then(
    (server) => {
      console.log(`Temporal dev server on ${server.address} (namespace ${config.temporal.namespace}), Web UI ${server.uiUrl}`);
      const stop = () => void server.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
