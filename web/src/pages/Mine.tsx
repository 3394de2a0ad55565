import { useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type MyVideo, type TaskGroup, type Video } from '../api';
import { linkProps } from '../router';
import { VideoCard } from './VideoCard';
import { GroupEntry, groupEntries } from './TaskGroup';
import { useT } from '../i18n';

export function MinePage() {
  const t = useT();
  usePageTitle(t('mine.title'));
  const [videos, setVideos] = useState<MyVideo[] | null>(null);
  const [groups, setGroups] = useState<TaskGroup[]>([]);
  useEffect(() => void api<{ data: MyVideo[]; groups: TaskGroup[] }>('GET', '/api/my/videos').then((r) => {
    setVideos(r.data);
    setGroups(r.groups);
  }), []);
  const changed = (nv: Video) => setVideos((all) => all!.map((x) => x.id === nv.id ? { ...x, ...nv } : x));
  const card = (v: MyVideo) => <VideoCard key={v.id} video={v} onChange={changed} />;
  return (
    <section>
      <h1>{t('mine.title')}</h1>
      {videos?.length === 0 && <p>{t.rich('mine.empty', { link: <a key="link" {...linkProps('/create')}>{t('mine.createOne')}</a> })}</p>}
      {/* An ad batch's variants or a film's shots fold under one entry, as wide as the grid, with the zip or the film. */}
      <ul className="video-grid">
        {videos && groupEntries(videos, groups).map((e) => ('item' in e ? card(e.item) : (
          <GroupEntry key={`${e.group.kind}:${e.group.id}`} group={e.group} count={e.items.length} className="wide">
            {() => <ul className="video-grid">{e.items.map(card)}</ul>}
          </GroupEntry>
        )))}
      </ul>
    </section>
  );
}
