/** Liveness (the process answers) and readiness (Temporal reachable, storage writable). */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { BlobStore } from '../../storage/blob-store';
import { errorBody } from '../errors';
import type { healthResponse, readyResponse } from '../../shared/contract/system';
import type { z } from 'zod';

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref())]);

export function healthRoutes(client: Client, store: BlobStore) {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' } satisfies z.infer<typeof healthResponse>);
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    await Promise.all([
      withTimeout(client.workflowService.getSystemInfo({}), 2000, 'Temporal').then(
        () => (checks.temporal = { ok: true }),
        (err: Error) => (checks.temporal = { ok: false, error: err.message }),
      ),
      withTimeout(store.checkWritable(), 2000, 'storage').then(
        () => (checks.storage = { ok: true }),
        (err: Error) => (checks.storage = { ok: false, error: err.message }),
      ),
    ]);
    const ready = Object.values(checks).every((c) => c.ok);
    if (ready) res.json({ status: 'ready', checks } satisfies z.infer<typeof readyResponse>);
    else res.status(503).json({ ...errorBody('NOT_READY', 'A dependency is not ready', checks), status: 'not_ready', checks });
  });
  return router;
}
