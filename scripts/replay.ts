/**
 * Replays one workflow run against the workflow code in this checkout, in seconds:
 *
 *   npm run replay -- <workflow-id> [--run-id <run-id>]   history fetched from the server (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE)
 *   npm run replay -- <history.json>                       a history exported with `temporal workflow show --output json`
 *
 * Prints one verdict line. Exit codes: 0 replays cleanly, 1 non-deterministic (the change needs
 * patched() or a new workflow type), 2 the replay could not run (no such run, unreadable file).
 */
import fs from 'node:fs';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { loadConfig } from '../src/config';
import { workerInterceptors, workflowSinks } from '../src/telemetry/temporal-interceptors';
import { connectClient } from '../src/temporal-client/connection';
import { sourceCodeOptions } from '../src/workers/workflow-bundle';

export interface ReplayVerdict {
  exitCode: 0 | 1 | 2;
  message: string;
}

interface HistoryJson {
  events?: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }>;
}

const typeOf = (history: HistoryJson) => history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown type';

/** Replays a history (proto JSON, as the CLI and fetchHistory give it) against src/workflows. */
export async function replayHistory(history: HistoryJson, label: string): Promise<ReplayVerdict> {
  const events = history.events?.length ?? 0;
  try {
    const code = await sourceCodeOptions();
    await Worker.runReplayHistory(
      {
        ...code,
        // The same interceptors as the workers: they are part of the code that replay checks.
        interceptors: { ...workerInterceptors(), ...code.interceptors },
        sinks: workflowSinks(new NoopSpanProcessor(), new Resource({})),
        replayName: 'lightbox-replay-cli',
      },
      history,
      label,
    );
    return { exitCode: 0, message: `✓ ${label} (${typeOf(history)}, ${events} events) replays deterministically against this checkout` };
  } catch (err) {
    if (err instanceof DeterminismViolationError) {
      return { exitCode: 1, message: `✗ ${label} (${typeOf(history)}) is NON-DETERMINISTIC against this checkout: ${err.message}` };
    }
    return { exitCode: 2, message: `! ${label}: replay could not run: ${(err as Error).message}` };
  }
}

/** `args` as after `npm run replay --`; returns the exit code after printing the verdict. */
export async function main(args: string[], log: (line: string) => void = console.log): Promise<number> {
  const target = args[0];
  if (!target || target.startsWith('-')) {
    log('usage: npm run replay -- <workflow-id> [--run-id <run-id>] | <history.json>');
    return 2;
  }
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already: main() called twice in one process (the tests).
  }
  let verdict: ReplayVerdict;
  if (target.endsWith('.json') || fs.existsSync(target)) {
    let history: HistoryJson;
    try {
      history = JSON.parse(fs.readFileSync(target, 'utf8')) as HistoryJson;
    } catch (err) {
      log(`! ${target}: not a readable history JSON file: ${(err as Error).message}`);
      return 2;
    }
    verdict = await replayHistory(history, target);
  } else {
    const runIdAt = args.indexOf('--run-id');
    const runId = runIdAt >= 0 ? args[runIdAt + 1] : undefined;
    const { temporal } = loadConfig();
    try {
      const client = await connectClient(temporal);
      const history = await client.workflow.getHandle(target, runId).fetchHistory();
      await client.connection.close();
      verdict = await replayHistory(history as HistoryJson, runId ? `${target}/${runId}` : target);
    } catch (err) {
      verdict = { exitCode: 2, message: `! ${target}: cannot fetch its history from ${temporal.address} (${temporal.namespace}): ${(err as Error).message}` };
    }
  }
  log(verdict.message);
  return verdict.exitCode;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
