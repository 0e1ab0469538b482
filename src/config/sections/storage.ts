/** Where photos, results and state documents are kept. */
import { z } from 'zod';
import { optionalString } from './types';

export const storageSection = z.object({
  LIGHTBOX_STORAGE: z.enum(['local', 'gcs']).default('local').describe('`local` (files under the data dir) or `gcs`'),
  GCS_BUCKET: optionalString.describe('bucket, required with `gcs`'),
  GCS_PROJECT_ID: optionalString.describe('GCP project (else from the credentials)'),
  GCS_API_ENDPOINT: optionalString.describe("a GCS emulator's URL, for development"),
});
