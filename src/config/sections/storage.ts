/** Where photos, results and state documents are kept. */
import { z } from 'zod';
import { optionalString } from './types';

export const storageSection = z.object({
  GCS_BUCKET: optionalString.describe(
    'Default: unset → files under `$LIGHTBOX_DATA_DIR/blobs`. the Google Cloud Storage bucket photos and results are kept in (project and credentials from the environment, as the Google client finds them)',
  ),
});
