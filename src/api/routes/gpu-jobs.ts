/** Style-transfer and tuning-report routes: thin controllers over the GPU job services. */
import { Router, type Request } from 'express';
import { tenantOf } from '../auth';
import { createReportBody, createStyleBody, idempotencyKeyHeader, reportIdParam, styleIdParam } from '../schemas';
import type { ReportService, StyleService } from '../services/gpu-jobs-service';

const idempotencyKey = (req: Request) => {
  const header = req.get('idempotency-key');
  return header === undefined ? undefined : idempotencyKeyHeader.parse(header);
};

export function gpuJobRoutes({ styles, reports }: { styles: StyleService; reports: ReportService }) {
  const router = Router();

  router.post('/styles', async (req, res) => {
    const body = createStyleBody.parse(req.body ?? {});
    const { styleId, workflowId, created } = await styles.create(tenantOf(req), body, idempotencyKey(req));
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.status(202).json({ styleId, workflowId, links: { self: `/v1/styles/${styleId}` } });
  });

  router.get('/styles/:styleId', async (req, res) => {
    res.json(await styles.status(tenantOf(req), styleIdParam.parse(req.params.styleId)));
  });

  router.delete('/styles/:styleId', async (req, res) => {
    const tenant = tenantOf(req);
    const id = styleIdParam.parse(req.params.styleId);
    await styles.cancel(tenant, id);
    res.status(202).json(await styles.status(tenant, id));
  });

  router.post('/reports', async (req, res) => {
    const body = createReportBody.parse(req.body ?? {});
    const { reportId, workflowId, created } = await reports.create(tenantOf(req), body, idempotencyKey(req));
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.status(202).json({ reportId, workflowId, links: { self: `/v1/reports/${reportId}` } });
  });

  router.get('/reports/:reportId', async (req, res) => {
    res.json(await reports.status(tenantOf(req), reportIdParam.parse(req.params.reportId)));
  });

  router.delete('/reports/:reportId', async (req, res) => {
    const tenant = tenantOf(req);
    const id = reportIdParam.parse(req.params.reportId);
    await reports.cancel(tenant, id);
    res.status(202).json(await reports.status(tenant, id));
  });

  return router;
}
