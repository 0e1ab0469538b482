/** Newer/older buttons over a cursor-paged list: `cursors` is the stack of pages visited. */
export function Pager({
  cursors,
  next,
  setCursors,
}: {
  cursors: Array<string | undefined>;
  next?: string | null;
  setCursors: (c: Array<string | undefined>) => void;
}) {
  return (
    <div class="row pager">
      <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
        ← Newer
      </button>
      <button disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
        Older →
      </button>
    </div>
  );
}
