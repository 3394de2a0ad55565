/**
 * The first screen's guide: example prompts the built-in model draws well (a click fills the prompt) and a short
 * list of what it knows, read from the world's own lexicon (src/world/lexicon.ts), so it cannot drift from the
 * words the model was trained on.
 */
import { Fragment, useEffect, useState } from 'react';
import { api, type Video } from '../api';
import { VideoCard } from './VideoCard';
import { EXAMPLES } from '../examples';
import { BACKGROUND_WORDS, CAMERA_WORDS, EFFECT_WORDS, MOTION_WORDS, OBJECT_WORDS } from '../../../src/world/lexicon';


export function Examples({ onPick }: { onPick: (prompt: string) => void }) {
  return (
    <ul className="examples" aria-label="Example prompts">
      {EXAMPLES.map((e) => <li key={e}><button type="button" className="chip" onClick={() => onPick(e)}>{e}</button></li>)}
    </ul>
  );
}

const first = (words: Record<string, { one: string }[] | string[]>) =>
  Object.values(words).map((w) => typeof w[0] === 'string' ? w[0] : w[0]!.one);

/** What the built-in model knows, one line per kind of word. */
export function Knows() {
  const rows: [string, string[]][] = [
    ['Animals and things', first(OBJECT_WORDS)],
    ['Motions', first(MOTION_WORDS)],
    ['Places', first(BACKGROUND_WORDS)],
    ['Effects', first(EFFECT_WORDS)],
    ['Camera', first(CAMERA_WORDS)],
  ];
  return (
    <details className="card knows">
      <summary>What the built-in model knows</summary>
      <p className="note">One to three of the same animal or thing, a motion, a speed (slowly, quickly), a place, an effect and a camera move. Other words are not drawn.</p>
      <dl className="params">
        {rows.map(([kind, words]) => <Fragment key={kind}><dt>{kind}</dt><dd>{words.join(', ')}</dd></Fragment>)}
      </dl>
    </details>
  );
}

/** Published videos (most liked first), when there are any: what others made, one click from a remix. */
export function Gallery() {
  const [videos, setVideos] = useState<Video[]>([]);
  useEffect(() => void api<{ data: Video[] }>('GET', '/api/feed?sort=popular&offset=0&limit=6').then((r) => setVideos(r.data), () => undefined), []);
  if (videos.length === 0) return null;
  return (
    <section className="gallery" aria-labelledby="gallery-title">
      <h2 id="gallery-title">Made with Kineo</h2>
      <ul className="video-grid">
        {videos.map((v) => <VideoCard key={v.id} video={v} onChange={(nv) => setVideos((all) => all.map((x) => x.id === nv.id ? nv : x))} />)}
      </ul>
    </section>
  );
}
