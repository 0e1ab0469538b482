/**
 * The two routes the web console needs beyond the album and job APIs: a paged album list (from
 * Temporal visibility, no query to each album's workflow) and the console's settings (where the
 * Temporal Web UI is, so every album and job links to its workflow).
 */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Config } from '../../config';
import { SA } from '../../shared/search-attributes';
import type { GpuQueueMonitor } from '../../temporal-client/gpu-queues';
import { tenantOf } from '../auth';
import { decodeCursor, encodeCursor } from '../cursor';
import { ApiError } from '../errors';
import { albumListResponse, listAlbumsQuery, type AlbumListResponse } from '../../shared/contract/albums';
import { jobListResponse, listJobsQuery } from '../../shared/contract/gpu-jobs';
import { consoleConfigResponse } from '../../shared/contract/system';

type AlbumListItem = AlbumListResponse['albums'][number];

const decode = (p: temporal.api.common.v1.IPayload | null | undefined): unknown => {
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(p);
  } catch {
    return undefined;
  }
};

const iso = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t?.seconds == null ? null : new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();

/** Visibility query strings take literals in single quotes. */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function consoleApiRoutes(client: Client, config: Pick<Config, 'temporal'>, monitor: GpuQueueMonitor) {
  const router = Router();

  /** One page of this tenant's workflows matching `where`, from Temporal visibility. */
  const listPage = async (tenant: string, where: string, limit: number, cursor?: string) => {
    try {
      const page = await client.workflowService.listWorkflowExecutions({
        namespace: config.temporal.namespace,
        pageSize: limit,
        nextPageToken: cursor ? decodeCursor('visibility', cursor) : undefined,
        query: `${SA.tenant.name} = ${literal(tenant)} AND ${where}`,
      });
      const next = page.nextPageToken && page.nextPageToken.length > 0 ? encodeCursor('visibility', Buffer.from(page.nextPageToken)) : null;
      return { executions: page.executions ?? [], nextCursor: next };
    } catch (err) {
      if ((err as { code?: number }).code === 3) throw new ApiError('VALIDATION_FAILED', 'cursor is not valid (it expires with its listing)');
      throw err;
    }
  };

  router.get('/albums', async (req, res) => {
    const q = listAlbumsQuery.parse(req.query);
    const tenant = tenantOf(req);
    const page = await listPage(tenant, `${SA.jobKind.name} = 'album'`, q.limit, q.cursor);
    // A re-analysis is a new run of the same workflow id: show the album once, as its newest run.
    const seen = new Set<string>();
    const albums: AlbumListItem[] = [];
    for (const e of page.executions) {
      const workflowId = e.execution?.workflowId ?? '';
      const albumId = decode(e.searchAttributes?.indexedFields?.[SA.albumId.name]);
      if (typeof albumId !== 'string') continue;
      if (seen.has(workflowId)) continue;
      seen.add(workflowId);
      const status = decode(e.searchAttributes?.indexedFields?.[SA.status.name]);
      const title = decode(e.memo?.fields?.title);
      albums.push({
        albumId,
        title: typeof title === 'string' ? title : null,
        status: typeof status === 'string' ? status : 'unknown',
        startedAt: iso(e.startTime),
        closedAt: iso(e.closeTime),
        workflowId,
        links: { self: `/v1/albums/${albumId}` },
      });
    }
    res.json(albumListResponse.parse({ albums, nextCursor: page.nextCursor } satisfies AlbumListResponse));
  });

  router.get('/jobs', async (req, res) => {
    const q = listJobsQuery.parse(req.query);
    const tenant = tenantOf(req);
    const where = q.kind ? `${SA.jobKind.name} = ${literal(q.kind)}` : `${SA.jobKind.name} IN ('style', 'report')`;
    const [page, queues] = await Promise.all([
      listPage(tenant, where, q.limit, q.cursor),
      monitor.all().catch((err: Error) => [{ queue: 'gpu', error: err.message }]),
    ]);
    const jobs = page.executions.flatMap((e) => {
      const kind = decode(e.searchAttributes?.indexedFields?.[SA.jobKind.name]);
      const workflowId = e.execution?.workflowId ?? '';
      const prefix = `${kind}-${tenant}-`;
      if ((kind !== 'style' && kind !== 'report') || !workflowId.startsWith(prefix)) return [];
      const id = workflowId.slice(prefix.length);
      const status = decode(e.searchAttributes?.indexedFields?.[SA.status.name]);
      return [
        {
          kind,
          id,
          status: typeof status === 'string' ? status : 'unknown',
          startedAt: iso(e.startTime),
          closedAt: iso(e.closeTime),
          workflowId,
          links: { self: `/v1/${kind}s/${id}` },
        } as const,
      ];
    });
    res.json(jobListResponse.parse({ jobs, nextCursor: page.nextCursor, queues }));
  });

  router.get('/console-config', (_req, res) => {
    res.json(consoleConfigResponse.parse({ temporal: { namespace: config.temporal.namespace, webUiUrl: config.temporal.uiUrl } }));
  });

  return router;
}
