import { useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type Video } from '../api';
import { linkProps } from '../router';
import { VideoCard } from './VideoCard';
import { useT } from '../i18n';

export function MinePage() {
  const t = useT();
  usePageTitle(t('mine.title'));
  const [videos, setVideos] = useState<Video[] | null>(null);
  useEffect(() => void api<{ data: Video[] }>('GET', '/api/my/videos').then((r) => setVideos(r.data)), []);
  return (
    <section>
      <h1>{t('mine.title')}</h1>
      {videos?.length === 0 && <p>{t.rich('mine.empty', { link: <a key="link" {...linkProps('/create')}>{t('mine.createOne')}</a> })}</p>}
      <ul className="video-grid">
        {videos?.map((v) => <VideoCard key={v.id} video={v} onChange={(nv) => setVideos((all) => all!.map((x) => x.id === nv.id ? nv : x))} />)}
      </ul>
    </section>
  );
}
