/**
 * Which render backend a diffusion-class worker runs, by config: A1111 servers when
 * DIFFUSION_BACKEND_URL names any; else the multistyle26 network when it is installed; else the
 * sharp colour filter (the only `fallback: true`). Style by example runs the Magenta pair on the
 * CPU whichever backend renders catalogue styles, when those networks are installed.
 */
import type { SessionPool } from '../../models/sessions';
import { MAGENTA_PREDICT, MAGENTA_TRANSFORM, MULTISTYLE26 } from '../../models/catalogue/style';
import { diffusionBackend, SharpStylizer, type DiffusionBackend } from './diffusion';
import { StyleNetworkBackend } from './style-network';

export interface StyleBackends {
  backend: DiffusionBackend;
  exampleBackend?: DiffusionBackend;
}

export async function styleBackendsFromConfig(d: { urls: string[]; progressPollMs?: number }, sessions: SessionPool): Promise<StyleBackends> {
  const installed = async (spec: typeof MULTISTYLE26) => sessions.store.isInstalled(spec);
  const network = new StyleNetworkBackend(sessions);
  const exampleBackend = (await installed(MAGENTA_PREDICT)) && (await installed(MAGENTA_TRANSFORM)) ? network : undefined;
  if (d.urls.length > 0) return { backend: diffusionBackend(d.urls, d.progressPollMs), ...(exampleBackend ? { exampleBackend } : {}) };
  const backend = (await installed(MULTISTYLE26)) ? network : new SharpStylizer();
  return { backend, ...(exampleBackend ? { exampleBackend } : {}) };
}
