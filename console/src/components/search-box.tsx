/** The search box in the header of every page: words in Korean or English, or a person's name. */
import { useState } from 'preact/hooks';
import { navigate, query } from '../router';

export function SearchBox() {
  const [q, setQ] = useState(query('q') ?? '');
  return (
    <form
      role="search"
      class="search-box"
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
      }}
    >
      <label for="search-q" class="sr-only">
        Search photos
      </label>
      <input id="search-q" type="search" placeholder="고양이, coffee, a name…" value={q} maxLength={200} onInput={(e) => setQ(e.currentTarget.value)} />
      <button type="submit">Search</button>
    </form>
  );
}
