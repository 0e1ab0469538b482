/**
 * Starts the embedded Temporal dev server: `temporal server start-dev` with SQLite persistence
 * under the data dir (workflows survive a restart), the Web UI, the lightbox namespace and our
 * search attributes. Without a local binary it falls back to the SDK's download (internet only).
 *
 * Run alone with `npm run temporal:dev`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
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
  /** Where the running server's pid is kept, so a later start can name a server left behind. */
  pidFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  source: FoundBinary['source'] | 'sdk-download';
  /** The server process (absent for the SDK's download, which manages its own). */
  pid?: number;
  /** Resolves with how the server process ended ("exit code 1", "killed by SIGKILL"), whoever ended it. */
  exited?: Promise<string>;
  stop(): Promise<void>;
}

/** The port is taken by a process this start did not launch: a server left behind, or anything else. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/** Whether something accepts TCP connections on ip:port now. */
export function portInUse(ip: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string | undefined): number | undefined {
  if (!file) return undefined;
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses to start when the port is already served. Without this the new server fails to bind
 * and exits, while the readiness probe happily talks to the old one: "Temporal ready" against a
 * server nobody owns, which keeps running after this stack stops.
 */
async function refuseIfTaken(ip: string, port: number, pidFile: string | undefined): Promise<void> {
  const stalePid = readPid(pidFile);
  if (!(await portInUse(ip, port))) {
    if (pidFile && stalePid !== undefined && !pidAlive(stalePid)) fs.rmSync(pidFile, { force: true });
    return;
  }
  if (stalePid !== undefined && pidAlive(stalePid)) {
    throw new PortInUseError(
      `A Temporal dev server this data dir started earlier (pid ${stalePid}, see ${pidFile}) still holds ${ip}:${port}. ` +
        `It was not stopped (a killed launcher?). Stop it with \`kill ${stalePid}\`, then start again.`,
    );
  }
  throw new PortInUseError(
    `${ip}:${port} is already in use by a process this launcher did not start (another Temporal server?). ` +
      `Stop it, or pick another port with TEMPORAL_DEV_PORT (or use it as a cluster with TEMPORAL_ADDRESS=${ip}:${port}).`,
  );
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
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`temporal server exited (${child.signalCode ?? `code ${child.exitCode}`}) while starting`);
    }
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
  if (o.dbFile) fs.mkdirSync(path.dirname(o.dbFile), { recursive: true, mode: 0o700 });
  await refuseIfTaken(ip, o.port, o.pidFile);

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

  const log = o.logFile ? fs.openSync(o.logFile, 'a', 0o600) : 'ignore';
  const child = spawn(o.cli.path, devServerArgs(o), { stdio: ['ignore', log, log], detached: o.ownProcessGroup ?? false });
  if (typeof log === 'number') fs.closeSync(log); // the child has its own copy
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      if (o.pidFile && readPid(o.pidFile) === child.pid) fs.rmSync(o.pidFile, { force: true });
      resolve(signal ? `killed by ${signal}` : `exit code ${code}`);
    }),
  );
  if (o.pidFile && child.pid) fs.writeFileSync(o.pidFile, `${child.pid}\n`, { mode: 0o600 });
  try {
    await waitForFrontend(address, o.namespace, child, 60_000);
    // Answered, but by whom? Our server must still be alive to have been the one.
    if (gone()) throw new Error(`temporal server exited (${await exited}) while starting`);
  } catch (err) {
    if (!gone()) child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return {
    address,
    uiUrl,
    source: o.cli.source,
    pid: child.pid,
    exited,
    async stop() {
      if (!gone()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
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
    pidFile: devServerPidFile(config),
    logFile,
  });
}

export const devServerPidFile = (config: Config): string => path.join(path.dirname(config.temporal.dbFile), 'dev-server.pid');

if (require.main === module) {
  const config = loadConfig();
  if (!config.temporal.embedded) {
    console.log(`TEMPORAL_ADDRESS=${config.temporal.address} is set: using that cluster, starting nothing.`);
    process.exit(0);
  }
  process.umask(0o077); // the SQLite file holds every workflow's inputs: owner-only
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
