/** Style-transfer and tuning-report routes: thin controllers over the GPU job services. */
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { tenantOf } from '../auth';
import { idempotencyKeyHeader, reportIdParam, styleIdParam } from '../../shared/contract/common';
import { createReportBody, createStyleBody } from '../../shared/contract/gpu-jobs';
import type { CreatedJob } from '../services/gpu-jobs-service';

const idempotencyKey = (req: Request) => {
  const header = req.get('idempotency-key');
  return header === undefined ? undefined : idempotencyKeyHeader.parse(header);
};

interface JobService<B> {
  create(tenantId: string, body: B, idempotencyKey?: string): Promise<CreatedJob>;
  status(tenantId: string, id: string): Promise<object>;
  cancel(tenantId: string, id: string): Promise<void>;
}

/** POST /<kind>, GET /<kind>/:id, DELETE /<kind>/:id (cancel) for one job kind. */
function jobRoutes<B>(router: Router, kind: string, idField: string, idParam: z.ZodType<string>, bodySchema: z.ZodType<B>, service: JobService<B>) {
  router.post(`/${kind}`, async (req, res) => {
    const body = bodySchema.parse(req.body ?? {});
    const { id, workflowId, created } = await service.create(tenantOf(req), body, idempotencyKey(req));
    if (!created) res.set('Idempotent-Replayed', 'true');
    // 202: the job is queued, not done; Location is where its status lives.
    res.location(`/v1/${kind}/${id}`);
    res.status(202).json({ [idField]: id, workflowId, links: { self: `/v1/${kind}/${id}` } });
  });

  router.get(`/${kind}/:id`, async (req, res) => {
    res.json(await service.status(tenantOf(req), idParam.parse(req.params.id)));
  });

  router.delete(`/${kind}/:id`, async (req, res) => {
    const tenant = tenantOf(req);
    const id = idParam.parse(req.params.id);
    await service.cancel(tenant, id);
    res.status(202).json(await service.status(tenant, id));
  });
}

export function gpuJobRoutes({
  styles,
  reports,
}: {
  styles: JobService<z.infer<typeof createStyleBody>>;
  reports: JobService<z.infer<typeof createReportBody>>;
}) {
  const router = Router();
  jobRoutes(router, 'styles', 'styleId', styleIdParam, createStyleBody, styles);
  jobRoutes(router, 'reports', 'reportId', reportIdParam, createReportBody, reports);
  return router;
}
