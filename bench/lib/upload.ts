/** Uploads as a careful client does: chunks, an Idempotency-Key per chunk, and a retry on 503 (Temporal busy). */
import { photosForm } from '../../src/dev/demo-photos';
import { call } from '../../test/helpers/stack';

export type UploadFile = { name: string; contentType: string; data: Buffer };

export async function uploadPhotos(
  baseUrl: string,
  apiKey: string,
  albumId: string,
  files: UploadFile[],
  perRequest = 50,
  keyPrefix = `${albumId}-upload`,
): Promise<Array<{ photoId: string }>> {
  const accepted: Array<{ photoId: string }> = [];
  for (let i = 0; i < files.length; i += perRequest) {
    const chunk = files.slice(i, i + perRequest);
    for (let attempt = 1; ; attempt++) {
      const r = await call(baseUrl, apiKey, 'POST', `/v1/albums/${albumId}/photos`, photosForm(chunk), { 'Idempotency-Key': `${keyPrefix}-${i}` });
      // A retried chunk's photos come back accepted again (the API answers duplicates as accepted).
      if (r.status === 202 && r.body.accepted.length === chunk.length) {
        accepted.push(...(r.body.accepted as Array<{ photoId: string }>));
        break;
      }
      if (r.status !== 503 || attempt >= 30) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      await new Promise((res) => setTimeout(res, 2000));
    }
  }
  return accepted;
}
