/**
 * Structured JSON logs through Powertools for AWS Lambda's Logger, behind the project's `Logger`
 * port (lambda/core/ports.ts), so the pure core never imports Powertools. Never pass secrets here.
 */
import { type LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import type { Logger } from '../core/ports';
import { ConfigurationError, type Env } from './env';

/** The port plus what a composition root and an SQS consumer need per invocation. */
export interface WatcherLogger extends Logger {
  /** Function name, request id and `cold_start` on every line of this invocation. */
  addContext(context: Context): void;
  /** Correlation keys (`scanId`, `eventId`) on every line until removed or `resetKeys`. */
  appendKeys(keys: Record<string, unknown>): void;
  removeKeys(keys: string[]): void;
  /** Drops the keys `appendKeys` added (persistent keys stay). */
  resetKeys(): void;
}

export interface LoggerOptions {
  /** The `service` key. @default POWERTOOLS_SERVICE_NAME, else 'cert-expiry-watcher' */
  readonly serviceName?: string;
  /** Keys on every line, e.g. `{ watcher, component }`. @default none */
  readonly keys?: Record<string, unknown>;
  /**
   * Where each JSON line goes (tests, the demo).
   * @default stdout, through Powertools' own console
   */
  readonly write?: (line: string) => void;
  /** Read for POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL and LOG_LEVEL. @default process.env */
  readonly env?: Env;
}

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

/** POWERTOOLS_LOG_LEVEL, else LOG_LEVEL, any case; a value Powertools would silently ignore fails init. */
export const logLevelFromEnv = (env: Env): LogLevel | undefined => {
  for (const name of ['POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL']) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const level = raw.toUpperCase();
    if (!(LEVELS as readonly string[]).includes(level))
      throw new ConfigurationError(
        `environment variable ${name} must be one of ${LEVELS.join(', ')}, got "${raw}"`,
      );
    return level as LogLevel;
  }
  return undefined;
};

/** Powertools writes these itself; a port field of the same name is kept as `field_<name>`. */
const RESERVED = new Set(['level', 'message', 'timestamp', 'service', 'sampling_rate']);

const keyName = (k: string) => (RESERVED.has(k) ? `field_${k}` : k);

const portFields = (fields: Record<string, unknown> = {}): LogAttributes => {
  const out: LogAttributes = {};
  for (const [k, v] of Object.entries(fields)) out[keyName(k)] = v as LogAttributes[string];
  return out;
};

/** Sends each formatted line to `write` instead of stdout, through Logger's protected `printLog` (its extension point for subclasses). */
class WritingLogger extends PowertoolsLogger {
  private sink?: (line: string) => void;

  constructor(options: ConstructorParameters<typeof PowertoolsLogger>[0], write: (line: string) => void) {
    super(options);
    this.sink = write;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    // Set after super(): anything Powertools logs while constructing goes to stdout.
    if (!this.sink) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    // The Powertools replacer turns Error values into { name, message, stack, ... }.
    this.sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

/** The logger factory every Lambda entry uses. */
export const createLogger = (options: LoggerOptions = {}): WatcherLogger => {
  const env = options.env ?? process.env;
  const config = {
    serviceName: options.serviceName ?? (env.POWERTOOLS_SERVICE_NAME?.trim() || 'cert-expiry-watcher'),
    logLevel: logLevelFromEnv(env),
    persistentKeys: options.keys ?? {},
  };
  const logger = options.write ? new WritingLogger(config, options.write) : new PowertoolsLogger(config);
  return {
    info: (message, fields) => logger.info(message, portFields(fields)),
    warn: (message, fields) => logger.warn(message, portFields(fields)),
    error: (message, fields) => logger.error(message, portFields(fields)),
    addContext: (context) => logger.addContext(context),
    appendKeys: (keys) => logger.appendKeys(portFields(keys)),
    removeKeys: (keys) => logger.removeKeys(keys.map(keyName)),
    resetKeys: () => logger.resetKeys(),
  };
};

/** `createLogger({ keys, write })`: the short form tests and the demo use to capture lines. */
export const jsonLogger = (
  keys: Record<string, unknown> = {},
  write?: (line: string) => void,
): WatcherLogger => createLogger({ keys, write });

const isWatcherLogger = (logger: Logger): logger is WatcherLogger =>
  typeof (logger as Partial<WatcherLogger>).appendKeys === 'function';

/**
 * Runs `fn` with correlation keys on every line it logs (Powertools `appendKeys`), then removes
 * them. Records are processed one at a time, so the keys never leak into another record's lines.
 * A plain port logger (a test fake) just runs `fn`.
 */
export const withLogKeys = async <T>(
  logger: Logger,
  keys: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> => {
  if (!isWatcherLogger(logger)) return fn();
  logger.appendKeys(keys);
  try {
    return await fn();
  } finally {
    logger.removeKeys(Object.keys(keys));
  }
};

/**
 * A Lambda handler whose lines carry the invocation's context and cold-start flag, with
 * per-invocation keys cleared afterwards: what Powertools' `injectLambdaContext({ resetKeys: true })`
 * does for Middy and class decorators, for a plain function.
 */
export const withLambdaContext =
  <E, R>(logger: WatcherLogger, handler: (event: E, context: Context) => Promise<R>) =>
  async (event: E, context: Context): Promise<R> => {
    logger.addContext(context);
    try {
      return await handler(event, context);
    } finally {
      logger.resetKeys();
    }
  };
