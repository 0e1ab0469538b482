/** Matching routes: thin controllers over MatchingService. */
import { Router } from 'express';
import { tenantOf } from '../auth';
import type { MatchingService } from '../services/matching-service';
import { userIdSchema } from '../../shared/contract/common';
import {
  matchBody,
  profileBody,
  reindexBody,
  reindexJobIdParam as jobIdSchema,
  type ProfileDeletedResponse,
  type ProfileIndexedResponse,
} from '../../shared/contract/matching';

export function matchingRoutes(matching: MatchingService) {
  const router = Router();

  router.put('/profiles/:userId', async (req, res) => {
    const userId = userIdSchema.parse(req.params.userId);
    const body = profileBody.parse(req.body);
    const r = await matching.putProfile(tenantOf(req), userId, body.text, body.fields);
    // An upsert's result always names the space it wrote (only a delete's has none).
    res.json({
      userId,
      indexed: true,
      embedding: r.embedding!,
      method: r.method!,
      ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
    } satisfies ProfileIndexedResponse);
  });

  router.delete('/profiles/:userId', async (req, res) => {
    const userId = userIdSchema.parse(req.params.userId);
    await matching.deleteProfile(tenantOf(req), userId);
    res.json({ userId, deleted: true } satisfies ProfileDeletedResponse);
  });

  router.post('/match', async (req, res) => {
    res.json(await matching.match(tenantOf(req), matchBody.parse(req.body)));
  });

  router.post('/profiles/reindex', async (req, res) => {
    const body = reindexBody.parse(req.body);
    const started = await matching.startReindex(tenantOf(req), body.from, body.pageSize);
    res.location(`/v1/profiles/reindex/${encodeURIComponent(started.jobId)}`);
    res.status(202).json(started);
  });

  router.get('/profiles/reindex/:jobId', async (req, res) => {
    res.json(await matching.reindexProgress(tenantOf(req), jobIdSchema.parse(req.params.jobId)));
  });

  router.post('/profiles/reindex/:jobId/pause', async (req, res) => {
    res.json(await matching.pauseReindex(tenantOf(req), jobIdSchema.parse(req.params.jobId)));
  });

  router.post('/profiles/reindex/:jobId/resume', async (req, res) => {
    res.json(await matching.resumeReindex(tenantOf(req), jobIdSchema.parse(req.params.jobId)));
  });

  return router;
}
