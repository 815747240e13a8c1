import { pino, type Logger as PinoLogger } from "pino";

/**
 * JSON-lines logger (pino). Child loggers per device and job; log lines carry sizes and hashes,
 * never payloads. Redaction below is a backstop, not the mechanism.
 */
export type Logger = PinoLogger;

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: "labelgate" },
      redact: {
        paths: ["payload", "*.payload", "data", "*.data", "password", "*.password"],
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
