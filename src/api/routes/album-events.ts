/**
 * GET /v1/albums/:albumId/events: server-sent events instead of tight polling. A `status` event
 * carries the album's status view whenever it changes; a comment line every HEARTBEAT_MS keeps
 * proxies from closing an idle stream; the stream ends after the terminal status
 * (completed or cancelled). Clients reconnect with a plain GET (no Last-Event-ID state is needed:
 * the first event of a stream is always the current snapshot).
 */
import type { Request, RequestHandler } from 'express';
import { tenantOf } from '../auth';
import { toApiError } from '../errors';
import type { AlbumService } from '../services/album-service';

const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;
/** Each poll's own Temporal deadline (the stream outlives any per-request one). */
const POLL_DEADLINE_MS = 5_000;

export function albumEvents(albums: AlbumService, albumIdOf: (req: Request) => string): RequestHandler {
  return async (req, res) => {
    const id = albumIdOf(req);
    const tenant = tenantOf(req);
    // The first snapshot before any header: an unknown album is a plain 404, not an empty stream.
    let view = await albums.statusWithin(tenant, id, POLL_DEADLINE_MS);
    res
      .status(200)
      .set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    let seq = 0;
    let last = '';
    let lastWrite = Date.now();
    let closed = false;
    req.on('close', () => (closed = true));
    const send = (v: typeof view) => {
      const data = JSON.stringify(v);
      if (data === last) return;
      last = data;
      res.write(`id: ${++seq}\nevent: status\ndata: ${data}\n\n`);
      lastWrite = Date.now();
    };
    send(view);
    while (!closed && view.status !== 'completed' && view.status !== 'cancelled') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (closed) break;
      try {
        view = await albums.statusWithin(tenant, id, POLL_DEADLINE_MS);
        send(view);
      } catch (err) {
        const e = toApiError(err);
        res.write(`event: error\ndata: ${JSON.stringify({ error: { code: e.code, message: e.message } })}\n\n`);
        lastWrite = Date.now();
        if (e.status < 500) break;
      }
      if (Date.now() - lastWrite >= HEARTBEAT_MS) {
        res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
        lastWrite = Date.now();
      }
    }
    res.end();
  };
}
