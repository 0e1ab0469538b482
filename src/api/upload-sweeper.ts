/**
 * Reclaims what an API process that died mid-upload leaves behind (issue 13, defect 8):
 * - spool folders `tmp/uploads/req-*` older than `spoolMaxAgeMs`;
 * - photo blobs stored for a multipart request whose hand-over to the album workflow never
 *   happened. Each request writes a hand-over marker before storing blobs and deletes it after
 *   the workflow took them; a marker older than `handoverMaxAgeMs` means the request died, and
 *   its blobs the workflow does not know (knownPhotos query) are deleted.
 * Runs once at start and then every `intervalMs`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { albumWorkflowId } from '../shared/album';
import type { BlobStore } from '../storage/blob-store';
import { BlobNotFoundError } from '../storage/blob-store';
import { HANDOVER_PREFIX } from '../storage/keys';
import { knownPhotosQuery } from '../workflows/album';

export interface HandoverMarker {
  tenantId: string;
  albumId: string;
  createdAt: string;
  photos: Array<{ photoId: string; key: string }>;
}

export interface SweepOptions {
  spoolMaxAgeMs: number;
  handoverMaxAgeMs: number;
  intervalMs: number;
}

export const DEFAULT_SWEEP: SweepOptions = { spoolMaxAgeMs: 60 * 60_000, handoverMaxAgeMs: 15 * 60_000, intervalMs: 10 * 60_000 };

export interface SweepReport {
  spoolDirs: number;
  blobs: number;
  markers: number;
}

export class UploadSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepReport>;

  constructor(
    private readonly deps: { spoolDir: string; store: BlobStore; client: Client; logger: Logger },
    private readonly opts: SweepOptions = DEFAULT_SWEEP,
  ) {}

  start(): this {
    const run = () => {
      this.sweep().catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'upload sweep failed; next one retries'));
    };
    run();
    this.timer = setInterval(run, this.opts.intervalMs).unref();
    return this;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass; concurrent calls share it. */
  sweep(now = Date.now()): Promise<SweepReport> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: number): Promise<SweepReport> {
    const report: SweepReport = { spoolDirs: 0, blobs: 0, markers: 0 };
    const entries = await fs.promises.readdir(this.deps.spoolDir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || !e.name.startsWith('req-')) continue;
      const dir = path.join(this.deps.spoolDir, e.name);
      const st = await fs.promises.stat(dir).catch(() => undefined);
      if (st && now - st.mtimeMs >= this.opts.spoolMaxAgeMs) {
        await fs.promises.rm(dir, { recursive: true, force: true });
        report.spoolDirs++;
      }
    }
    for (const markerKey of await this.deps.store.list(HANDOVER_PREFIX)) {
      let marker: HandoverMarker;
      try {
        marker = JSON.parse((await this.deps.store.get(markerKey)).toString('utf8')) as HandoverMarker;
      } catch (err) {
        if (err instanceof BlobNotFoundError) continue;
        await this.deps.store.delete(markerKey);
        continue;
      }
      if (now - Date.parse(marker.createdAt) < this.opts.handoverMaxAgeMs) continue;
      let known: Set<string>;
      try {
        const handle = this.deps.client.workflow.getHandle(albumWorkflowId(marker.tenantId, marker.albumId));
        known = new Set(
          await handle.query(
            knownPhotosQuery,
            marker.photos.map((p) => p.photoId),
          ),
        );
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // Temporal down: keep the marker, retry next pass
        known = new Set();
      }
      for (const p of marker.photos) {
        if (known.has(p.photoId)) continue;
        await this.deps.store.delete(p.key);
        report.blobs++;
      }
      await this.deps.store.delete(markerKey);
      report.markers++;
    }
    if (report.spoolDirs + report.blobs + report.markers > 0) this.deps.logger.info(report, 'upload sweep reclaimed leftovers');
    return report;
  }
}
