/**
 * The first screen's guide: example prompts the built-in model draws well (a click fills the prompt) and a short
 * list of what it knows, read from the world's own lexicon (src/world/lexicon.ts), so it cannot drift from the
 * words the model was trained on.
 */
import { Fragment, useEffect, useState } from 'react';
import { api, type Video } from '../api';
import { VideoCard } from './VideoCard';
import { EXAMPLES, EXAMPLES_ZH } from '../examples';
import { BACKGROUND_WORDS, CAMERA_WORDS, EFFECT_WORDS, MOTION_WORDS, OBJECT_WORDS } from '../../../src/world/lexicon';
import { useT, type PlainKey } from '../i18n';
import { conceptWord } from '../concept-words';

/** Example prompts in the studio's language (in Chinese, the English ones follow: the model reads both). */
export function useExamples(): string[] {
  const t = useT();
  return t.lang === 'zh' ? [...EXAMPLES_ZH, ...EXAMPLES.slice(0, 2)] : EXAMPLES;
}

export function Examples({ onPick }: { onPick: (prompt: string) => void }) {
  const t = useT();
  return (
    <ul className="examples" aria-label={t('create.examples')}>
      {useExamples().map((e) => <li key={e}><button type="button" className="chip" translate="no" onClick={() => onPick(e)}>{e}</button></li>)}
    </ul>
  );
}

type Kind = 'object' | 'motion' | 'background' | 'effect' | 'camera';
const first = (words: Record<string, { one: string }[] | string[]>) =>
  Object.values(words).map((w) => typeof w[0] === 'string' ? w[0] : w[0]!.one);

/** What the built-in model knows, one line per kind of word: in Chinese, the Chinese words the normaliser reads. */
export function Knows() {
  const t = useT();
  const rows: [PlainKey, Kind, Record<string, { one: string }[] | string[]>][] = [
    ['create.knowsObjects', 'object', OBJECT_WORDS],
    ['create.knowsMotions', 'motion', MOTION_WORDS],
    ['create.knowsPlaces', 'background', BACKGROUND_WORDS],
    ['create.knowsEffects', 'effect', EFFECT_WORDS],
    ['create.knowsCamera', 'camera', CAMERA_WORDS],
  ];
  const words = (kind: Kind, table: Record<string, { one: string }[] | string[]>) =>
    t.lang === 'en' ? first(table) : Object.keys(table).map((k) => conceptWord(kind, k, t.lang));
  return (
    <details className="card knows">
      <summary>{t('create.knows')}</summary>
      <p className="note">{t('create.knowsNote')}</p>
      <dl className="params">
        {rows.map(([label, kind, table]) => <Fragment key={label}><dt>{t(label)}</dt><dd>{words(kind, table).join(t.lang === 'zh' ? '、' : ', ')}</dd></Fragment>)}
      </dl>
    </details>
  );
}

/** Published videos (most liked first), when there are any: what others made, one click from a remix. */
export function Gallery() {
  const t = useT();
  const [videos, setVideos] = useState<Video[]>([]);
  useEffect(() => void api<{ data: Video[] }>('GET', '/api/feed?sort=popular&offset=0&limit=6').then((r) => setVideos(r.data), () => undefined), []);
  if (videos.length === 0) return null;
  return (
    <section className="gallery" aria-labelledby="gallery-title">
      <h2 id="gallery-title">{t('create.gallery')}</h2>
      <ul className="video-grid">
        {videos.map((v) => <VideoCard key={v.id} video={v} onChange={(nv) => setVideos((all) => all.map((x) => x.id === nv.id ? nv : x))} />)}
      </ul>
    </section>
  );
}
