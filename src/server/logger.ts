// Structured logs (winston): one JSON-ish line per event, tagged with the server id.
import winston from 'winston';

export interface Logger {
  error(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  info(msg: string, meta?: object): void;
  debug(msg: string, meta?: object): void;
}

export function createLogger(level: string, serverId: number): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { server: serverId },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.printf(({ timestamp, level: lvl, message, ...meta }) => {
        const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
        return `${String(timestamp)} ${lvl.toUpperCase()} ${String(message)}${rest}`;
      }),
    ),
    // stderr keeps stdout free for tools that parse it (tests read the "serving" line from either).
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** A logger that drops everything (tests, embedded use). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
