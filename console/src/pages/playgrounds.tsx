/** Playgrounds: matching (index a profile, query → ranked profiles) and the clean-bot tester. */
import { useState } from 'preact/hooks';
import type { MatchResponse, ProfileIndexedResponse } from '../../../src/shared/contract/matching';
import type { ModerationResponse } from '../../../src/shared/contract/moderation';
import { api } from '../api';

function useAction<T>() {
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<T>) => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await fn());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { result, error, busy, run };
}

type MatchResult = MatchResponse;

export function MatchingPage() {
  const [userId, setUserId] = useState('');
  const [profileText, setProfileText] = useState('');
  const [text, setText] = useState('');
  const [k, setK] = useState(5);
  const indexed = useAction<ProfileIndexedResponse>();
  const match = useAction<MatchResult>();
  return (
    <section>
      <h1>Matching playground</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void indexed.run(() => api('PUT', `/v1/profiles/${encodeURIComponent(userId)}`, { text: profileText }));
        }}
      >
        <h2>Index a profile</h2>
        <label>
          User id <input value={userId} required pattern="[A-Za-z0-9._@\-]{1,128}" onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <label>
          Profile text <textarea value={profileText} required onInput={(e) => setProfileText(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={indexed.busy}>
          Index profile
        </button>
        {indexed.result && (
          <p class="hint" role="status">
            Indexed {indexed.result.userId} ({indexed.result.method})
          </p>
        )}
        {indexed.error && <p class="error">{indexed.error}</p>}
      </form>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void match.run(() => api('POST', '/v1/match', { text, k }));
        }}
      >
        <h2>Query</h2>
        <label>
          Query text <textarea value={text} required onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <label>
          Top k <input type="number" min={1} max={100} value={k} onInput={(e) => setK(Number(e.currentTarget.value))} />
        </label>
        <button type="submit" disabled={match.busy}>
          Find matches
        </button>
        {match.error && <p class="error">{match.error}</p>}
      </form>
      {match.result && (
        <section class="card" aria-live="polite">
          <h2>Ranked profiles</h2>
          <p class="hint">
            Method <code>{match.result.method}</code> · embedding <code>{match.result.embedding}</code>
            {match.result.fallbackReason && ` · fallback: ${match.result.fallbackReason}`}
          </p>
          <ol data-testid="matches">
            {match.result.results.map((r) => (
              <li>
                <strong>{r.userId}</strong> <span class="score">{r.score.toFixed(3)}</span>
                <meter min={0} max={1} value={Math.max(0, r.score)} aria-label={`score of ${r.userId}`} />
              </li>
            ))}
          </ol>
          {match.result.results.length === 0 && <p>No profiles matched.</p>}
        </section>
      )}
    </section>
  );
}

export function CleanBotPage() {
  const [text, setText] = useState('안녕하세요, 반가워요!\n');
  const check = useAction<ModerationResponse>();
  const lines = text.split('\n').filter((l) => l.trim());
  return (
    <section>
      <h1>Clean-bot tester</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void check.run(() => api('POST', '/v1/moderation/chat', { messages: lines.map((l, i) => ({ id: `m${i + 1}`, text: l })) }));
        }}
      >
        <label>
          Chat messages, one per line <textarea rows={6} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={check.busy || lines.length === 0}>
          Check messages
        </button>
        {check.error && <p class="error">{check.error}</p>}
      </form>
      {check.result && (
        <div class="table-wrap card" aria-live="polite">
          <table data-testid="moderation">
            <thead>
              <tr>
                <th>Message</th>
                <th>Verdict</th>
                <th>Score</th>
                <th>Labels</th>
                <th>Method</th>
              </tr>
            </thead>
            <tbody>
              {check.result.results.map((r, i) => (
                <tr class={r.toxic ? 'toxic' : ''}>
                  <td>{lines[i]}</td>
                  <td>{r.toxic ? 'toxic' : 'clean'}</td>
                  <td>
                    {r.score.toFixed(2)}
                    {r.headScore !== undefined && r.headScore !== r.score ? ` (head ${r.headScore.toFixed(2)})` : ''}
                  </td>
                  <td>
                    {r.labels.join(', ')}
                    {r.matches?.length ? ` · lexicon: ${r.matches.join(', ')}` : ''}
                  </td>
                  <td>
                    {r.method}
                    {r.fallbackReason ? ` (${r.fallbackReason})` : ''}
                    {r.model ? <small> {r.model}</small> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
