import pino from 'pino';
import type { Config } from '../config.js';
import { LOG_REDACT } from '../http/app.js';

export function createLogger(config: Config) {
  return pino({ level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } });
}
