/**
 * Attributes Lightbox puts on spans, in one place so every activity names things the same way
 * and a trace viewer can filter on them. Activities call `tagModel` once they know which model
 * (and which method, when a classic fallback ran instead) does the work; the activity
 * interceptor tags queue, activity, attempt and the tenant/album/photo found in the input.
 */
import { trace, type Attributes } from '@opentelemetry/api';

export const ATTR = {
  tenant: 'lightbox.tenant',
  album: 'lightbox.album_id',
  photo: 'lightbox.photo_id',
  queue: 'lightbox.queue',
  activity: 'lightbox.activity',
  attempt: 'lightbox.attempt',
  model: 'lightbox.model',
  modelVersion: 'lightbox.model_version',
  method: 'lightbox.method',
  errorCode: 'lightbox.error_code',
} as const;

export interface ModelTag {
  /** Registry id of the model, e.g. `clip-vit-b32-image`. */
  id: string;
  version?: string;
  /** What actually ran: the model's runtime (`onnx`) or a classic fallback's name. */
  method?: string;
}

/** Names the model on the active span (the RunActivity span inside an activity). No-op outside a span. */
export function tagModel({ id, version, method }: ModelTag): void {
  const attributes: Attributes = { [ATTR.model]: id };
  if (version) attributes[ATTR.modelVersion] = version;
  if (method) attributes[ATTR.method] = method;
  trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * Tenant, album and photo ids from an activity's first argument, by the naming convention every
 * Lightbox activity input follows (`tenantId`, `albumId`, `photoId` or `photo.photoId`). Ids
 * belong on spans (one trace per album is the point) but never on metric labels.
 */
export function entityAttributes(input: unknown): Attributes {
  if (typeof input !== 'object' || input === null) return {};
  const o = input as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const photo = typeof o.photo === 'object' && o.photo !== null ? (o.photo as Record<string, unknown>) : undefined;
  const found: Array<[string, string | undefined]> = [
    [ATTR.tenant, str(o.tenantId)],
    [ATTR.album, str(o.albumId)],
    [ATTR.photo, str(o.photoId) ?? str(photo?.photoId)],
  ];
  return Object.fromEntries(found.filter((e): e is [string, string] => e[1] !== undefined));
}
