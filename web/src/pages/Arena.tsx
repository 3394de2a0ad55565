import { useCallback, useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type ArenaPair, type ArenaRating, type ArenaSide, type ArenaVote } from '../api';
import { useT, type PlainKey } from '../i18n';
import { errorText } from '../i18n/errors';

/** Below this many battles a contestant's bootstrap interval spans most of the scale: it is not shown. */
export const MIN_BATTLES_FOR_INTERVAL = 20;

const VOTES: [ArenaVote, PlainKey][] = [['left', 'arena.voteLeft'], ['right', 'arena.voteRight'], ['tie', 'arena.voteTie'], ['both_bad', 'arena.voteBothBad']];

function Side({ label, side, voted }: { label: string; side: ArenaSide; voted: boolean }) {
  const t = useT();
  return (
    <figure className="card arena-side" data-testid={`arena-${label}`} data-status={side.status}>
      <figcaption><strong>{label}</strong>{voted && side.contestant && <span data-testid={`arena-name-${label}`} translate="no"> — {side.contestant}</span>}</figcaption>
      {side.video_url
        ? <video src={side.video_url} poster={side.poster_url ?? undefined} aria-label={t('arena.video', { side: label })} controls autoPlay loop muted playsInline width={256} height={256} />
        : <p className="note pending">{side.status === 'failed' || side.status === 'cancelled' ? t('arena.failed') : t('arena.drawingSide', { progress: side.progress })}</p>}
    </figure>
  );
}

/** The arena: two blind videos of one caption, a vote, the names after it, and the leaderboard. */
export function ArenaPage() {
  const t = useT();
  usePageTitle(t('arena.title'));
  const [pair, setPair] = useState<ArenaPair | null>(null);
  const [board, setBoard] = useState<{ data: ArenaRating[]; votes: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const loadBoard = useCallback(() => api<{ data: ArenaRating[]; votes: number }>('GET', '/api/arena/leaderboard').then(setBoard, setError), []);
  const next = useCallback(async () => {
    setError(null);
    setPair(null);
    try {
      setPair(await api<ArenaPair>('POST', '/api/arena/pairs'));
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void next();
    void loadBoard();
  }, [next, loadBoard]);

  // Poll until both videos have finished.
  useEffect(() => {
    if (!pair || pair.ready || pair.left.status === 'failed' || pair.right.status === 'failed') return;
    const t = setTimeout(() => {
      void api<ArenaPair>('GET', `/api/arena/pairs/${encodeURIComponent(pair.id)}`).then(setPair, setError);
    }, 500);
    return () => clearTimeout(t);
  }, [pair]);

  const vote = async (v: ArenaVote) => {
    if (!pair) return;
    setBusy(true);
    try {
      setPair(await api<ArenaPair>('POST', `/api/arena/pairs/${encodeURIComponent(pair.id)}/vote`, { vote: v }));
      await loadBoard();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const voted = pair?.vote != null;
  return (
    <section className="arena">
      <h1>{t('arena.title')}</h1>
      {error !== null && <p role="alert" className="error">{errorText(error, t)}</p>}
      {!pair && error === null && <p>{t('arena.drawingPair')}</p>}
      {pair && (
        <>
          <p className="arena-ask">{t.rich('arena.ask', { caption: <strong key="c" className="prompt-title" data-testid="arena-caption" translate="no">“{pair.caption}”</strong> })}</p>
          <div className="arena-pair">
            <Side label="A" side={pair.left} voted={voted} />
            <Side label="B" side={pair.right} voted={voted} />
          </div>
          <div className="row" role="group" aria-label={t('arena.yourVote')}>
            {VOTES.map(([v, label]) => (
              <button key={v} type="button" className={pair.vote === v ? '' : 'secondary'} aria-pressed={pair.vote === v}
                disabled={!pair.ready || voted || busy} onClick={() => void vote(v)}>{t(label)}</button>
            ))}
          </div>
          {voted && (
            <p role="status" data-testid="arena-revealed">
              {t.rich('arena.revealed', { left: <strong key="l" translate="no">{pair.left.contestant}</strong>, right: <strong key="r" translate="no">{pair.right.contestant}</strong> })}{' '}
              <button type="button" onClick={() => void next()}>{t('arena.next')}</button>
            </p>
          )}
        </>
      )}
      <h2>{t('arena.leaderboard')}</h2>
      <p className="note">{t('arena.method', { votes: board?.votes ?? 0, min: MIN_BATTLES_FOR_INTERVAL })}</p>
      <div className="table-scroll"><table className="leaderboard" data-testid="leaderboard">
        <thead><tr><th scope="col">{t('arena.rank')}</th><th scope="col">{t('arena.contestant')}</th><th scope="col">{t('arena.rating')}</th><th scope="col">{t('arena.interval')}</th><th scope="col">{t('arena.battles')}</th></tr></thead>
        <tbody>
          {board?.data.map((r) => (
            <tr key={r.id} data-contestant={r.id}>
              <td>{r.rank}</td><td translate="no">{r.name}</td><td>{Math.round(r.rating)}</td>
              <td data-testid="interval">{r.battles >= MIN_BATTLES_FOR_INTERVAL ? `${Math.round(r.lower)} – ${Math.round(r.upper)}` : <span className="note">{t('arena.after', { min: MIN_BATTLES_FOR_INTERVAL })}</span>}</td><td data-testid="battles">{r.battles}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
    </section>
  );
}
