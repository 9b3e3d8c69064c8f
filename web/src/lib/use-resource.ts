import { useCallback, useEffect, useRef, useState } from 'react';
import type { DependencyList } from 'react';
import type { Page } from '../api/types.js';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  reload(): void;
  setData(update: (current: T | undefined) => T | undefined): void;
}

/** Data loaded by `load` whenever `deps` change; a newer load cancels the older one. */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Resource<T> {
  const [data, setDataState] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    loadRef.current(abort.signal).then(
      (result) => {
        if (abort.signal.aborted) return;
        setDataState(result);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => abort.abort();
    // The caller's deps decide when to load; `load` itself is read through a ref.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const setData = useCallback((update: (current: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}

export interface PagedList<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore(): void;
  /** Fetches the first page again and merges it over what is shown, keeping pages loaded further down. */
  refresh(): void;
  setItems(update: (items: T[]) => T[]): void;
}

/** A cursor-paged list that starts over when `deps` change. */
export function usePagedList<T extends { id: string | number }>(
  loadPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>,
  deps: DependencyList,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const loadRef = useRef(loadPage);
  loadRef.current = loadPage;
  const generation = useRef(0);

  useEffect(() => {
    const abort = new AbortController();
    const current = ++generation.current;
    setLoading(true);
    setItems([]);
    setCursor(null);
    loadRef.current(null, abort.signal).then(
      (page) => {
        if (current !== generation.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (current !== generation.current || abort.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    const current = generation.current;
    setLoadingMore(true);
    loadRef.current(cursor, new AbortController().signal).then(
      (page) => {
        if (current !== generation.current) return;
        setItems((old) => {
          const seen = new Set(old.map((i) => i.id));
          return [...old, ...page.items.filter((i) => !seen.has(i.id))];
        });
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (current !== generation.current) return;
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor]);

  const refresh = useCallback(() => {
    const current = generation.current;
    loadRef.current(null, new AbortController().signal).then(
      (page) => {
        if (current !== generation.current) return;
        setItems((old) => {
          const fresh = new Set(page.items.map((i) => i.id));
          const tail = old.slice(page.items.length).filter((i) => !fresh.has(i.id));
          return [...page.items, ...tail];
        });
        setCursor((old) => (old === null ? page.nextCursor : old));
        setError(undefined);
      },
      () => {
        // A background refresh that fails leaves the list as it was; the next one may succeed.
      },
    );
  }, []);

  return { items, error, loading, hasMore: cursor !== null, loadingMore, loadMore, refresh, setItems };
}
