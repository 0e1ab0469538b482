/** The Temporal frontend Lightbox connects to, or the embedded dev server it runs. */
import { z } from 'zod';
import { bool, optionalString, port } from './types';

export const temporalSection = z.object({
  TEMPORAL_ADDRESS: optionalString.describe("Default: unset → embedded. a Temporal cluster's frontend; when set, nothing embedded is started"),
  TEMPORAL_NAMESPACE: z.string().default('lightbox').describe('namespace of every workflow'),
  TEMPORAL_API_KEY: optionalString.describe('API key for Temporal Cloud (implies TLS)'),
  TEMPORAL_TLS: bool.default(false).describe('TLS to the Temporal frontend'),
  TEMPORAL_CLI_PATH: optionalString.describe('the `temporal` CLI to run the dev server with'),
  TEMPORAL_DEV_PORT: port.default(7233).describe('embedded dev server frontend port'),
  TEMPORAL_UI_PORT: port.default(8233).describe('embedded dev server Web UI port'),
  TEMPORAL_UI_PUBLIC_URL: optionalString.describe('Default: `http://localhost:$TEMPORAL_UI_PORT`. base of printed Web UI links'),
});
