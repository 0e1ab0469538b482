/**
 * I/O-queue context activities of a tuning report, each optional and time-boxed: Google Custom
 * Search JSON API (web), Spotify Web API search with client credentials (music), YouTube Data
 * API v3 search (video). Not configured → recorded as skipped. Errors are thrown so Temporal
 * retries them briefly; the workflow records a source that still fails as failed and goes on.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ContextItem, ContextResult, Profile } from '../../shared/gpu-jobs';
import { jobOutcomes, stageSeconds } from '../../telemetry/metrics';

/** The credentials from config; each source without them is skipped. */
export interface ContextSettings {
  google: { apiKey?: string; cx?: string };
  spotify: { clientId?: string; clientSecret?: string };
  youtube: { apiKey?: string };
}

/** Where each source is asked: the services' own APIs, or a test's stand-ins. */
export interface ContextEndpoints {
  google: string;
  spotifyApi: string;
  spotifyAccounts: string;
  youtube: string;
}

export const CONTEXT_ENDPOINTS: ContextEndpoints = {
  google: 'https://www.googleapis.com/customsearch/v1',
  spotifyApi: 'https://api.spotify.com/v1',
  spotifyAccounts: 'https://accounts.spotify.com/api/token',
  youtube: 'https://www.googleapis.com/youtube/v3',
};

/**
 * Time box of each context search attempt: these APIs answer in well under a second, and a
 * report waits for its context, so a slow source is better retried or skipped than waited for.
 */
export const CONTEXT_TIMEOUT_MS = 8_000;

const MAX_ITEMS = 5;

const norm = (s: string) => s.trim().toLowerCase();

/** Interests both people share, else the first of each: what the searches are about. */
export function topicsOf([a, b]: [Profile, Profile]): string[] {
  const bSet = new Set(b.interests.map(norm));
  const shared = a.interests.filter((i) => bSet.has(norm(i)));
  const topics = shared.length > 0 ? shared : [a.interests[0], b.interests[0]].filter((x): x is string => !!x);
  return [...new Set(topics)].slice(0, 3);
}

async function getJson<T>(url: string, init: RequestInit, timeoutMs: number, service: string): Promise<T> {
  const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(timeoutMs)]);
  const res = await fetch(url, { ...init, signal });
  const text = await res.text();
  if (!res.ok) {
    const message = `${service} answered ${res.status}: ${text.slice(0, 200)}`;
    // A bad key or quota will not fix itself within a report's time box.
    if (res.status === 400 || res.status === 401 || res.status === 403) throw ApplicationFailure.nonRetryable(message, 'CONTEXT_REJECTED');
    throw new Error(message);
  }
  return JSON.parse(text) as T;
}

export function createTuningContextActivities(settings: ContextSettings, endpoints: ContextEndpoints = CONTEXT_ENDPOINTS, timeoutMs = CONTEXT_TIMEOUT_MS) {
  // The in-flight request is shared too, so concurrent reports on one worker fetch one token.
  let spotifyToken: { value: Promise<string>; expiresAt: number } | undefined;

  const timed = async (source: ContextResult['source'], provider: string, query: string, run: () => Promise<ContextItem[]>): Promise<ContextResult> => {
    const started = performance.now();
    const items = (await run()).slice(0, MAX_ITEMS);
    stageSeconds.observe({ kind: 'report', stage: `context-${source}` }, (performance.now() - started) / 1000);
    jobOutcomes.inc({ kind: 'report-context', outcome: 'ok', code: source });
    return { source, provider, status: 'ok', query, items };
  };
  const skipped = (source: ContextResult['source'], provider: string): ContextResult => {
    jobOutcomes.inc({ kind: 'report-context', outcome: 'skipped', code: source });
    return { source, provider, status: 'skipped', items: [], error: 'not configured' };
  };

  async function searchWeb(profiles: [Profile, Profile]): Promise<ContextResult> {
    const { apiKey, cx } = settings.google;
    if (!apiKey || !cx) return skipped('web', 'google-custom-search');
    const query = `${topicsOf(profiles).join(' ')} 데이트 코스`;
    return timed('web', 'google-custom-search', query, async () => {
      const url = `${endpoints.google}?${new URLSearchParams({ key: apiKey, cx, q: query, num: String(MAX_ITEMS), safe: 'active' })}`;
      const body = await getJson<{ items?: Array<{ title?: string; link?: string; snippet?: string }> }>(url, {}, timeoutMs, 'Google Custom Search');
      return (body.items ?? []).map((i) => ({ title: i.title ?? '', url: i.link, snippet: i.snippet }));
    });
  }

  function spotifyAccessToken(): Promise<string> {
    if (spotifyToken && spotifyToken.expiresAt > Date.now() + 30_000) return spotifyToken.value;
    const { clientId, clientSecret } = settings.spotify;
    const value = getJson<{ access_token: string; expires_in: number }>(
      endpoints.spotifyAccounts,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      },
      timeoutMs,
      'Spotify accounts',
    ).then((body) => {
      if (spotifyToken?.value === value) spotifyToken.expiresAt = Date.now() + body.expires_in * 1000;
      return body.access_token;
    });
    // Until the answer says how long it lives, the pending token is good for the next callers.
    spotifyToken = { value, expiresAt: Date.now() + 60_000 };
    value.catch(() => {
      if (spotifyToken?.value === value) spotifyToken = undefined;
    });
    return value;
  }

  async function searchMusic(profiles: [Profile, Profile]): Promise<ContextResult> {
    const { clientId, clientSecret } = settings.spotify;
    if (!clientId || !clientSecret) return skipped('music', 'spotify');
    const seeds = [...new Set(profiles.map((p) => p.music[0]).filter((m): m is string => !!m))];
    if (seeds.length === 0) return { source: 'music', provider: 'spotify', status: 'ok', items: [] };
    return timed('music', 'spotify', seeds.join(' | '), async () => {
      const token = await spotifyAccessToken();
      const perSeed = await Promise.all(
        seeds.map((q) =>
          getJson<{ tracks?: { items?: Array<{ name: string; artists?: Array<{ name: string }>; external_urls?: { spotify?: string } }> } }>(
            `${endpoints.spotifyApi}/search?${new URLSearchParams({ q, type: 'track', limit: '3' })}`,
            { headers: { authorization: `Bearer ${token}` } },
            timeoutMs,
            'Spotify search',
          ),
        ),
      );
      return perSeed.flatMap((r) =>
        (r.tracks?.items ?? []).map((t) => ({ title: `${t.name} — ${(t.artists ?? []).map((a) => a.name).join(', ')}`, url: t.external_urls?.spotify })),
      );
    });
  }

  async function searchVideos(profiles: [Profile, Profile]): Promise<ContextResult> {
    const { apiKey } = settings.youtube;
    if (!apiKey) return skipped('video', 'youtube');
    const query = topicsOf(profiles).join(' ');
    return timed('video', 'youtube', query, async () => {
      const url = `${endpoints.youtube}/search?${new URLSearchParams({ key: apiKey, part: 'snippet', type: 'video', q: query, maxResults: String(MAX_ITEMS), safeSearch: 'strict' })}`;
      const body = await getJson<{ items?: Array<{ id?: { videoId?: string }; snippet?: { title?: string; description?: string } }> }>(
        url,
        {},
        timeoutMs,
        'YouTube Data API',
      );
      return (body.items ?? []).map((i) => ({
        title: i.snippet?.title ?? '',
        url: i.id?.videoId ? `https://www.youtube.com/watch?v=${i.id.videoId}` : undefined,
        snippet: i.snippet?.description,
      }));
    });
  }

  return { searchWeb, searchMusic, searchVideos };
}
