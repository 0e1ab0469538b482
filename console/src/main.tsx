import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, session } from './api';
import { AlbumPage } from './pages/album';
import { AlbumList } from './pages/album-list';
import { JobsPage, ReportPage, StylePage } from './pages/jobs';
import { CleanBotPage, MatchingPage } from './pages/playgrounds';
import { navigate, usePath, Link } from './router';
import { SearchBox } from './components/search-box';
import { PeoplePage, PersonPage, SearchPage } from './pages/people';
import './style.css';

function SignIn({ onDone }: { onDone: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    session.signIn(key.trim());
    try {
      // Any authenticated read tells whether the key is good.
      await api('GET', '/v1/console-config');
      onDone();
    } catch (err) {
      session.signOut();
      setError(err instanceof ApiError && err.status === 401 ? 'That API key was not accepted.' : `Could not sign in: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Lightbox console</h1>
      <form onSubmit={(e) => void submit(e)} class="card">
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <p class="hint">Kept in this browser tab only (session storage) and sent in the Authorization header, never in a URL.</p>
        <button type="submit" disabled={busy || !key.trim()}>
          Sign in
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function App() {
  const path = usePath();
  const [signedIn, setSignedIn] = useState(!!session.key());
  useEffect(() => {
    const out = () => {
      session.signOut();
      setSignedIn(false);
    };
    window.addEventListener('lightbox:unauthenticated', out);
    return () => window.removeEventListener('lightbox:unauthenticated', out);
  }, []);
  if (!signedIn) return <SignIn onDone={() => setSignedIn(true)} />;

  let page;
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/albums\/([^/]+)$/))) page = <AlbumPage albumId={m[1]!} />;
  else if ((m = path.match(/^\/styles\/([^/]+)$/))) page = <StylePage styleId={m[1]!} />;
  else if ((m = path.match(/^\/reports\/([^/]+)$/))) page = <ReportPage reportId={m[1]!} />;
  else if ((m = path.match(/^\/people\/([^/]+)$/))) page = <PersonPage personId={m[1]!} />;
  else if (path === '/people') page = <PeoplePage />;
  else if (path === '/search') page = <SearchPage />;
  else if (path === '/jobs') page = <JobsPage />;
  else if (path === '/matching') page = <MatchingPage />;
  else if (path === '/clean-bot') page = <CleanBotPage />;
  else page = <AlbumList />;

  const nav = [
    ['/', 'Albums'],
    ['/people', 'People'],
    ['/jobs', 'GPU jobs'],
    ['/matching', 'Matching'],
    ['/clean-bot', 'Clean-bot'],
  ] as const;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Lightbox</strong>
        <nav aria-label="Main">
          {nav.map(([to, label]) => (
            <Link href={to} current={to === '/' ? path === '/' || path.startsWith('/albums') : path.startsWith(to)}>
              {label}
            </Link>
          ))}
        </nav>
        <SearchBox />
        <button
          class="link"
          onClick={() => {
            session.signOut();
            setSignedIn(false);
            navigate('/');
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
