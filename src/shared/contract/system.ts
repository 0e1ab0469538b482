/** Health, readiness, the console's settings and signed blob uploads: the routes that are no resource of their own. */
import { z } from 'zod';

export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({ status: z.string(), checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })) });
export const blobStoredResponse = z.object({ key: z.string(), size: z.number().int() });

/** GET /v1/console-config. */
export const consoleConfigResponse = z
  .object({
    temporal: z.object({
      namespace: z.string(),
      /** Base of the Web UI; a workflow is at {webUiUrl}/namespaces/{namespace}/workflows/{workflowId}. */
      webUiUrl: z.string(),
    }),
  })
  .strict();

export type ConsoleConfig = z.infer<typeof consoleConfigResponse>;
