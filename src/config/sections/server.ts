/** The API process: ports, keys, request limits, where data lives. */
import { z } from 'zod';
import { optionalString, port, positiveInt } from './types';

export const serverSection = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe('`production` requires `LIGHTBOX_API_KEYS` (and `LIGHTBOX_SIGNING_SECRET` with local storage)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino level for JSON logs'),
  LIGHTBOX_DATA_DIR: z.string().default('.lightbox').describe('everything the embedded stack writes: Temporal SQLite, blobs, secrets, logs'),
  PORT: port.default(3000).describe('API port'),
  LIGHTBOX_PUBLIC_URL: optionalString.describe("Default: `http://localhost:$PORT`. base of links and of the local store's signed URLs"),
  LIGHTBOX_API_KEYS: optionalString.describe(
    'Default: unset → dev key. `key:tenant,key:tenant`; unset outside production, a dev key for tenant `demo` is made, printed and kept in `$LIGHTBOX_DATA_DIR/secrets/dev-api-key`',
  ),
  LIGHTBOX_MAX_UPLOAD_BYTES: positiveInt.default(50 * 1024 * 1024).describe('largest single file (multipart or signed upload)'),
  LIGHTBOX_MAX_UPLOADS_PER_TENANT: positiveInt
    .default(8)
    .describe('multipart uploads one tenant may have in flight; more get 429 TOO_MANY_UPLOADS with Retry-After (docs/reliability.md)'),
  LIGHTBOX_MAX_UPLOADS_IN_FLIGHT: positiveInt.default(32).describe('multipart uploads in flight in all; more get 503 SERVER_BUSY with Retry-After'),
  LIGHTBOX_SIGNING_SECRET: optionalString.describe("Default: generated. HMAC secret of the local store's signed URLs; generated into the data dir when unset"),
});
