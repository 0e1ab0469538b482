/** A tiny history router under /console (the API answers index.html for every path there). */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const BASE = '/console';

const current = () => {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return p === '' ? '/' : p.replace(/\/+$/, '') || '/';
};

export function navigate(to: string) {
  history.pushState(null, '', BASE + to);
  window.dispatchEvent(new Event('lightbox:navigate'));
  window.scrollTo(0, 0);
}

export function usePath(): string {
  const [path, setPath] = useState(current());
  useEffect(() => {
    const update = () => setPath(current());
    window.addEventListener('popstate', update);
    window.addEventListener('lightbox:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('lightbox:navigate', update);
    };
  }, []);
  return path;
}

export const query = (name: string) => new URLSearchParams(location.search).get(name);

export function Link({ href, children, current: isCurrent, class: cls }: { href: string; children: ComponentChildren; current?: boolean; class?: string }) {
  return (
    <a
      href={BASE + href}
      class={cls}
      aria-current={isCurrent ? 'page' : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
