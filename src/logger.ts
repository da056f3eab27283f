/** pino options shared by every process: JSON lines, secrets redacted, pretty only on a TTY. */
import type { LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]',
  '*.apiKey', '*.apiKeys', '*.adminToken', '*.webhookSecret', '*.key', 'apiKey', 'adminToken', 'webhookSecret',
  'req.headers.cookie', 'headers.cookie', 'req.headers["x-mjg-signature"]', 'headers["x-mjg-signature"]',
  '*.encryptionKey', '*.secret', 'encryptionKey', 'secret',
];

export function loggerOptions(level: string): LoggerOptions {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}
