/**
 * People across albums: face crops, inline rename, select two and merge, a person's page with
 * their faces (move one out) and photos from every album; and the search results page.
 */
import { useEffect, useState } from 'preact/hooks';
import type {
  PeopleListResponse,
  Person,
  PersonDetailResponse,
  PersonPhotosResponse,
  MoveFaceResponse,
  SearchResponse,
} from '../../../src/shared/contract/people';
import { api } from '../api';
import { Link, navigate, query, usePath } from '../router';

type PhotoItem = PersonPhotosResponse['items'][number] | SearchResponse['items'][number];

const label = (p: Person) => p.name ?? `Unnamed (${p.personId})`;

function NameEditor({ person, onSaved }: { person: Person; onSaved: (p: Person) => void }) {
  const [name, setName] = useState(person.name ?? '');
  const [error, setError] = useState<string>();
  const save = async () => {
    if (name.trim() === (person.name ?? '')) return;
    try {
      onSaved(await api<PersonDetailResponse>('PATCH', `/v1/people/${person.personId}`, { name: name.trim() === '' ? null : name }));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <span class="name-editor">
      <input
        aria-label={`Name of ${label(person)}`}
        value={name}
        maxLength={100}
        placeholder="Add a name"
        onInput={(e) => setName(e.currentTarget.value)}
        onBlur={() => void save()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void save();
        }}
      />
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

function Crop({ url, alt }: { url: string | null; alt: string }) {
  return url ? <img class="person-crop" src={url} alt={alt} width={96} height={96} /> : <span class="person-crop empty" aria-label={alt} />;
}

export function PeoplePage() {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    api<PeopleListResponse>('GET', '/v1/people?limit=200').then(
      (r) => setPeople(r.items),
      (e: Error) => setError(e.message),
    );
  }, [generation]);
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id].slice(-2)));
  const merge = async () => {
    const [into, from] = selected;
    try {
      await api('POST', `/v1/people/${into}/merge`, { personIds: [from] });
      setSelected([]);
      setGeneration((g) => g + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <h1>People</h1>
      <p class="hint">Everyone found across your albums. Name a person once: every album shows the name.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p>
        <button disabled={selected.length !== 2} onClick={() => void merge()}>
          Merge selected ({selected.length}/2)
        </button>
      </p>
      {people === null ? (
        <p>Loading…</p>
      ) : people.length === 0 ? (
        <p>No people yet: add photos with faces to an album.</p>
      ) : (
        <ul class="people-grid">
          {people.map((p) => (
            <li key={p.personId} class="person-card">
              <Link href={`/people/${p.personId}`}>
                <Crop url={p.cover?.cropUrl ?? null} alt={label(p)} />
              </Link>
              <NameEditor person={p} onSaved={(np) => setPeople((all) => all && all.map((x) => (x.personId === np.personId ? { ...x, name: np.name } : x)))} />
              <span class="hint">
                {p.photos} photos · {p.albums.length} albums
              </span>
              <label>
                <input type="checkbox" checked={selected.includes(p.personId)} onChange={() => toggle(p.personId)} /> Select
              </label>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PhotoGrid({ items }: { items: PhotoItem[] }) {
  return (
    <ul class="photo-results">
      {items.map((i) => (
        <li key={`${i.albumId}/${i.photoId}`}>
          <Link href={`/albums/${i.albumId}`}>
            <img src={i.url} alt={i.name} loading="lazy" />
          </Link>
          <span>{i.name}</span>
          {'reasons' in i && (
            <span class="hint">
              {i.reasons
                .slice(0, 2)
                .map((r) => (r.kind === 'person' ? `person: ${r.name}` : `${r.label} ${r.score.toFixed(2)}`))
                .join(' · ')}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function PersonPage({ personId }: { personId: string }) {
  const [person, setPerson] = useState<PersonDetailResponse | null>(null);
  const [photos, setPhotos] = useState<PhotoItem[]>([]);
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    api<PersonDetailResponse>('GET', `/v1/people/${personId}`).then(setPerson, (e: Error) => setError(e.message));
    api<PersonPhotosResponse>('GET', `/v1/people/${personId}/photos`).then(
      (r) => setPhotos(r.items),
      () => undefined,
    );
  }, [personId, generation]);
  const moveOut = async (faceId: string) => {
    try {
      const r = await api<MoveFaceResponse>('POST', `/v1/people/${personId}/faces/${faceId}/move`, {});
      setError(undefined);
      setGeneration((g) => g + 1);
      return r;
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const setHidden = async (hidden: boolean) => {
    await api('PATCH', `/v1/people/${personId}`, { hidden });
    setGeneration((g) => g + 1);
  };
  if (!person) return <p>{error ?? 'Loading…'}</p>;
  return (
    <section>
      <p>
        <Link href="/people">← People</Link>
      </p>
      <h1>{label(person)}</h1>
      <NameEditor key={person.personId} person={person} onSaved={(p) => setPerson({ ...person, name: p.name })} />
      <p>
        <button class="link" onClick={() => void setHidden(!person.hidden)}>
          {person.hidden ? 'Show this person' : 'Hide this person'}
        </button>
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h2>Faces</h2>
      <ul class="people-grid">
        {person.faceList.map((f) => (
          <li key={f.faceId} class="person-card">
            <Crop url={f.cropUrl} alt={`Face ${f.faceId}`} />
            <button onClick={() => void moveOut(f.faceId)} aria-label={`Not ${label(person)}: move face ${f.faceId} out`}>
              Not this person
            </button>
          </li>
        ))}
      </ul>
      <h2>Photos in {person.albums.length} albums</h2>
      <PhotoGrid items={photos} />
    </section>
  );
}

export function SearchPage() {
  usePath();
  const q = query('q') ?? '';
  const [result, setResult] = useState<SearchResponse | null>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!q) return;
    setResult(null);
    api<SearchResponse>('GET', `/v1/search?q=${encodeURIComponent(q)}`).then(setResult, (e: Error) => setError(e.message));
  }, [q]);
  if (!q) {
    navigate('/');
    return null;
  }
  return (
    <section>
      <h1>Photos for “{q}”</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result === null ? (
        <p>Searching…</p>
      ) : (
        <>
          <p class="hint">Matched labels: {result.matchedLabels.map((l) => l.text).join(', ') || 'none'}</p>
          {result.items.length === 0 ? <p>No photos match.</p> : <PhotoGrid items={result.items} />}
        </>
      )}
    </section>
  );
}
