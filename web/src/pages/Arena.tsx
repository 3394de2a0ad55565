import { useCallback, useEffect, useState } from 'react';
import { usePageTitle } from '../a11y';
import { api, type ArenaPair, type ArenaRating, type ArenaSide, type ArenaVote } from '../api';

/** Below this many battles a contestant's bootstrap interval spans most of the scale: it is not shown. */
export const MIN_BATTLES_FOR_INTERVAL = 20;

const VOTES: [ArenaVote, string][] = [['left', 'A is better'], ['right', 'B is better'], ['tie', 'Tie'], ['both_bad', 'Both are bad']];

function Side({ label, side, voted }: { label: string; side: ArenaSide; voted: boolean }) {
  return (
    <figure className="card arena-side" data-testid={`arena-${label}`} data-status={side.status}>
      <figcaption><strong>{label}</strong>{voted && side.contestant && <span data-testid={`arena-name-${label}`}> — {side.contestant}</span>}</figcaption>
      {side.video_url
        ? <video src={side.video_url} poster={side.poster_url ?? undefined} aria-label={`Video ${label}`} controls autoPlay loop muted playsInline width={256} height={256} />
        : <p className="note pending">{side.status === 'failed' || side.status === 'cancelled' ? 'This video failed.' : `Drawing… ${side.progress} %`}</p>}
    </figure>
  );
}

/** The arena: two blind videos of one caption, a vote, the names after it, and the leaderboard. */
export function ArenaPage() {
  usePageTitle('Arena');
  const [pair, setPair] = useState<ArenaPair | null>(null);
  const [board, setBoard] = useState<{ data: ArenaRating[]; votes: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const loadBoard = useCallback(() => api<{ data: ArenaRating[]; votes: number }>('GET', '/api/arena/leaderboard').then(setBoard, (e) => setError((e as Error).message)), []);
  const next = useCallback(async () => {
    setError(null);
    setPair(null);
    try {
      setPair(await api<ArenaPair>('POST', '/api/arena/pairs'));
    } catch (e) {
      setError((e as Error).message);
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
      void api<ArenaPair>('GET', `/api/arena/pairs/${encodeURIComponent(pair.id)}`).then(setPair, (e) => setError((e as Error).message));
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
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const voted = pair?.vote != null;
  return (
    <section className="arena">
      <h1>Arena</h1>
      {error && <p role="alert" className="error">{error}</p>}
      {!pair && !error && <p>Drawing a pair…</p>}
      {pair && (
        <>
          <p className="arena-ask">Two models drew <strong className="prompt-title" data-testid="arena-caption">“{pair.caption}”</strong>. Which matches it better? Their names appear after you vote.</p>
          <div className="arena-pair">
            <Side label="A" side={pair.left} voted={voted} />
            <Side label="B" side={pair.right} voted={voted} />
          </div>
          <div className="row" role="group" aria-label="Your vote">
            {VOTES.map(([v, label]) => (
              <button key={v} type="button" className={pair.vote === v ? '' : 'secondary'} aria-pressed={pair.vote === v}
                disabled={!pair.ready || voted || busy} onClick={() => void vote(v)}>{label}</button>
            ))}
          </div>
          {voted && (
            <p role="status" data-testid="arena-revealed">
              A was <strong>{pair.left.contestant}</strong>, B was <strong>{pair.right.contestant}</strong>.{' '}
              <button type="button" onClick={() => void next()}>Next pair</button>
            </p>
          )}
        </>
      )}
      <h2>Leaderboard</h2>
      <p className="note">Bradley–Terry ratings from {board?.votes ?? 0} votes; 95 % intervals from a bootstrap, shown from {MIN_BATTLES_FOR_INTERVAL} battles on. A tie or “both bad” counts half a win each.</p>
      <div className="table-scroll"><table className="leaderboard" data-testid="leaderboard">
        <thead><tr><th scope="col">Rank</th><th scope="col">Contestant</th><th scope="col">Rating</th><th scope="col">95 % interval</th><th scope="col">Battles</th></tr></thead>
        <tbody>
          {board?.data.map((r) => (
            <tr key={r.id} data-contestant={r.id}>
              <td>{r.rank}</td><td>{r.name}</td><td>{Math.round(r.rating)}</td>
              <td data-testid="interval">{r.battles >= MIN_BATTLES_FOR_INTERVAL ? `${Math.round(r.lower)} – ${Math.round(r.upper)}` : <span className="note">after {MIN_BATTLES_FOR_INTERVAL} battles</span>}</td><td data-testid="battles">{r.battles}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
    </section>
  );
}
