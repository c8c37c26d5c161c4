import { type Logger, type LoggerOptions, pino } from "pino";

export type { Logger };

/**
 * Paths that pino replaces with "[Redacted]" in every log line: tokens, passwords, keys and secret
 * payloads, wherever a request, a response or a log call carries them.
 */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "*.*.password",
  "token",
  "*.token",
  "payload",
  "*.payload",
  "passphrase",
  "*.passphrase",
  "*.kek",
  "kek",
  "master_key",
  "*.master_key",
  "authorization",
  "headers.authorization",
  'headers["x-auth-token"]',
  'headers["x-subject-token"]',
  'headers["x-service-token"]',
  "req.headers.authorization",
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers["x-service-token"]',
  'res.headers["x-subject-token"]',
];

export interface LoggerSettings {
  level?: string;
  /** Name of the service, written as `service` on every line. */
  service?: string;
  /** Where log lines go; defaults to standard output. */
  destination?: NodeJS.WritableStream;
}

/** Creates the process logger with the redaction list applied. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.OSTS_LOG_LEVEL ?? "info",
    redact: { paths: REDACTED_PATHS, censor: "[Redacted]" },
    base:
      settings.service === undefined
        ? { pid: process.pid }
        : { pid: process.pid, service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.destination !== undefined) {
    return pino(options, settings.destination as pino.DestinationStream);
  }
  return pino(options);
}

/**
 * Returns a logger that writes `service` on every line. pino writes a key once for each child
 * that binds it, so a logger already bound to this service is returned as it is. A logger bound
 * to another service must not be passed here, because its lines would carry both values.
 */
export function bindService(logger: Logger, service: string): Logger {
  return logger.bindings().service === service ? logger : logger.child({ service });
}
