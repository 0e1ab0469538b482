/** The clean-bot route: synchronous, micro-batched across concurrent requests. */
import { Router } from 'express';
import type { ModerationService } from '../services/moderation-service';
import { moderationBody, type ModerationResponse } from '../../shared/contract/moderation';

export function moderationRoutes(moderation: ModerationService) {
  const router = Router();
  router.post('/moderation/chat', async (req, res) => {
    const body = moderationBody.parse(req.body);
    res.json({ results: await moderation.moderateChat(body.messages) } satisfies ModerationResponse);
  });
  return router;
}
