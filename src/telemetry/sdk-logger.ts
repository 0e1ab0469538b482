/**
 * The Temporal SDK's logs and the Rust core's (forwarded to Node) written through the process's
 * pino logger, so a worker's output is one JSON object per line: no plain-text DefaultLogger
 * lines, no ANSI-coloured core lines on stderr. Modelled on Temporal's custom-logger sample.
 */
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const satisfies Record<LogLevel, string>;

export class PinoSdkLogger implements SdkLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // pino's err serializer keeps an Error's message and stack; under any other key it would print "{}".
    const { error, ...rest } = meta ?? {};
    const fields = error instanceof Error ? { ...rest, err: error } : error === undefined ? rest : { ...rest, error };
    this.logger[PINO_LEVEL[level] ?? 'info'](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** pino level → the SDK's (pino's fatal and silent have no SDK level; both map to the nearest). */
function sdkLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      return 'ERROR';
  }
}

/**
 * Installs the process's one Temporal Runtime: SDK and core logs through `logger`, plus the given
 * metrics options. Must run before any connection or worker exists, once per process.
 */
export function installWorkerRuntime(logger: Logger, metrics?: TelemetryOptions['metrics']): void {
  const level = sdkLevel(logger.level);
  Runtime.install({
    logger: new PinoSdkLogger(logger),
    telemetryOptions: {
      // Core's own chatter (connection retries, poller errors) at WARN unless the process logs more.
      logging: { forward: {}, filter: { core: level === 'INFO' ? 'WARN' : level, other: 'ERROR' } },
      ...(metrics ? { metrics } : {}),
    },
  });
}
