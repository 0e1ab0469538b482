/**
 * Admission for multipart uploads, the one route whose bytes come through the API. A request is
 * admitted only while its tenant has fewer than `perTenant` uploads in flight (else 429
 * TOO_MANY_UPLOADS) and the API fewer than `global` (else 503 SERVER_BUSY); both answer at once
 * with Retry-After, so an overloaded API sheds load with an answer instead of slowing until
 * clients time out. With the spool on disk, the heap holds at most one file per admitted upload.
 */
import type { RequestHandler } from 'express';
import { Gauge, type Registry } from 'prom-client';
import { tenantOf } from './auth';
import { ApiError } from './errors';

export interface AdmissionLimits {
  perTenant: number;
  global: number;
}

const UPLOAD_PATH = /^\/albums\/[^/]+\/photos\/?$/;

export function uploadAdmission(limits: AdmissionLimits, registry?: Registry): RequestHandler {
  const byTenant = new Map<string, number>();
  let total = 0;
  const inFlight = registry
    ? new Gauge({ name: 'lightbox_uploads_in_flight', help: 'Multipart uploads the API is receiving now', registers: [registry] })
    : undefined;

  return (req, res, next) => {
    if (req.method !== 'POST' || !UPLOAD_PATH.test(req.path) || !req.is('multipart/form-data')) return next();
    const tenant = tenantOf(req);
    const mine = byTenant.get(tenant) ?? 0;
    const refused =
      mine >= limits.perTenant
        ? new ApiError('TOO_MANY_UPLOADS', `This tenant already has ${mine} uploads in flight (limit ${limits.perTenant}); retry after Retry-After`)
        : total >= limits.global
          ? new ApiError('SERVER_BUSY', `The API is receiving ${total} uploads (limit ${limits.global}); retry after Retry-After`)
          : undefined;
    if (refused) {
      // Read off the body unbuffered: a client still writing it would otherwise see a reset, not our answer.
      res.set('Connection', 'close');
      req.resume();
      return next(refused);
    }
    byTenant.set(tenant, mine + 1);
    total++;
    inFlight?.set(total);
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      const left = (byTenant.get(tenant) ?? 1) - 1;
      if (left > 0) byTenant.set(tenant, left);
      else byTenant.delete(tenant);
      total--;
      inFlight?.set(total);
    });
    next();
  };
}
