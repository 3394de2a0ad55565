import { useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type Video } from '../api';
import { linkProps } from '../router';
import { VideoCard } from './VideoCard';

export function MinePage() {
  usePageTitle('My videos');
  const [videos, setVideos] = useState<Video[] | null>(null);
  useEffect(() => void api<{ data: Video[] }>('GET', '/api/my/videos').then((r) => setVideos(r.data)), []);
  return (
    <section>
      <h1>My videos</h1>
      {videos?.length === 0 && <p>No finished videos yet. <a {...linkProps('/create')}>Create one</a>.</p>}
      <ul className="video-grid">
        {videos?.map((v) => <VideoCard key={v.id} video={v} onChange={(nv) => setVideos((all) => all!.map((x) => x.id === nv.id ? nv : x))} />)}
      </ul>
    </section>
  );
}
