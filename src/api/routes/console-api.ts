/**
 * The two routes the web console needs beyond the album and job APIs: a paged album list (from
 * Temporal visibility, no query to each album's workflow) and the console's settings (where the
 * Temporal Web UI is, so every album and job links to its workflow).
 */
import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Config } from '../../config';
import { SA } from '../../shared/search-attributes';
import type { GpuQueueMonitor } from '../../temporal-client/gpu-queues';
import { tenantOf } from '../auth';
import { ApiError } from '../errors';

export const listAlbumsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    /** Opaque: the `nextCursor` of the previous page. */
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'cursor is the nextCursor of a previous page')
      .optional(),
  })
  .strict();

/** GET /v1/albums answers this (the OpenAPI document can take it from here). */
export const albumListResponse = z
  .object({
    albums: z.array(
      z.object({
        albumId: z.string(),
        title: z.string().nullable(),
        /** The status the workflow last published (processing, idle, completed, cancelled). */
        status: z.string(),
        startedAt: z.string().nullable(),
        closedAt: z.string().nullable(),
        workflowId: z.string(),
        links: z.object({ self: z.string() }),
      }),
    ),
    /** Pass as `cursor` for the next (older) page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .strict();

/** GET /v1/console-config answers this. */
export const consoleConfigResponse = z
  .object({
    temporal: z.object({
      namespace: z.string(),
      /** Base of the Web UI; a workflow is at {webUiUrl}/namespaces/{namespace}/workflows/{workflowId}. */
      webUiUrl: z.string(),
    }),
  })
  .strict();

type AlbumListItem = z.infer<typeof albumListResponse>['albums'][number];

export const listJobsQuery = listAlbumsQuery.extend({ kind: z.enum(['style', 'report']).optional() }).strict();

/** GET /v1/jobs answers this: the tenant's GPU jobs, newest first, and every GPU queue's state. */
export const jobListResponse = z
  .object({
    jobs: z.array(
      z.object({
        kind: z.enum(['style', 'report']),
        id: z.string(),
        /** The status the workflow last published (queued, running, done, failed…). */
        status: z.string(),
        startedAt: z.string().nullable(),
        closedAt: z.string().nullable(),
        workflowId: z.string(),
        links: z.object({ self: z.string() }),
      }),
    ),
    nextCursor: z.string().nullable(),
    queues: z.array(
      z
        .object({ queue: z.string(), backlog: z.number().nullable(), backlogAgeSeconds: z.number().nullable(), pollers: z.number() })
        .or(z.object({ queue: z.string(), error: z.string() })),
    ),
  })
  .strict();

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

/**
 * Cursors carry Temporal's page token behind an 8-byte checksum: the dev server answers a forged
 * token with errors the SDK retries until the deadline (a 503), so garbage is refused here, as 400.
 */
const checksum = (token: Buffer) => crypto.createHash('sha256').update(token).digest().subarray(0, 8);
const cursorOf = (token: Buffer) => Buffer.concat([checksum(token), token]).toString('base64url');
function pageToken(cursor: string): Buffer {
  const raw = Buffer.from(cursor, 'base64url');
  const token = raw.subarray(8);
  if (raw.length <= 8 || !checksum(token).equals(raw.subarray(0, 8))) throw new ApiError('INVALID_CURSOR', 'cursor is not one this API gave out');
  return token;
}

export function consoleApiRoutes(client: Client, config: Pick<Config, 'temporal'>, monitor: GpuQueueMonitor) {
  const router = Router();

  /** One page of this tenant's workflows matching `where`, from Temporal visibility. */
  const listPage = async (tenant: string, where: string, limit: number, cursor?: string) => {
    try {
      const page = await client.workflowService.listWorkflowExecutions({
        namespace: config.temporal.namespace,
        pageSize: limit,
        nextPageToken: cursor ? pageToken(cursor) : undefined,
        query: `${SA.tenant.name} = ${literal(tenant)} AND ${where}`,
      });
      const next = page.nextPageToken && page.nextPageToken.length > 0 ? cursorOf(Buffer.from(page.nextPageToken)) : null;
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
    res.json(albumListResponse.parse({ albums, nextCursor: page.nextCursor } satisfies z.infer<typeof albumListResponse>));
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
