import { useCallback, useEffect, useRef, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type Video } from '../api';
import { VideoCard } from './VideoCard';
import { useT } from '../i18n';

type Sort = 'newest' | 'popular';

export function FeedPage() {
  const t = useT();
  usePageTitle(t('feed.title'));
  const [sort, setSort] = useState<Sort>('newest');
  const [videos, setVideos] = useState<Video[]>([]);
  const [next, setNext] = useState<number | null>(0);
  const [loading, setLoading] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);

  const loadMore = useCallback(async (from: number, s: Sort, replace: boolean) => {
    setLoading(true);
    try {
      const r = await api<{ data: Video[]; next_offset: number | null }>('GET', `/api/feed?sort=${s}&offset=${from}&limit=12`);
      setVideos((v) => replace ? r.data : [...v, ...r.data]);
      setNext(r.next_offset);
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => void loadMore(0, sort, true), [sort, loadMore]);

  // Infinite scroll: the next page loads when the end of the list comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || next === null || next === 0) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) void loadMore(next, sort, false);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [next, sort, loading, loadMore]);

  return (
    <section>
      <h1>{t('feed.title')}</h1>
      <div className="row" role="group" aria-label={t('feed.sort')}>
        {(['newest', 'popular'] as const).map((s) => (
          <button key={s} type="button" className={sort === s ? '' : 'secondary'} aria-pressed={sort === s} onClick={() => setSort(s)}>{t(s === 'newest' ? 'feed.newest' : 'feed.popular')}</button>
        ))}
      </div>
      {videos.length === 0 && !loading && <p>{t('feed.empty')}</p>}
      <ul className="video-grid">
        {videos.map((v) => <VideoCard key={v.id} video={v} onChange={(nv) => setVideos((all) => all.map((x) => x.id === nv.id ? nv : x))} />)}
      </ul>
      <div ref={sentinel} />
      {next !== null && next > 0 && <button type="button" className="secondary" disabled={loading} onClick={() => void loadMore(next, sort, false)}>{t('feed.more')}</button>}
    </section>
  );
}
