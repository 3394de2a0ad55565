import { useCallback, useEffect, useState } from 'react';
import { api, type Progress, type Task } from '../api';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';
import { progressWords } from '../progress-words';

const ACTIVE = new Set(['queued', 'running']);

/** One unfinished task's live progress over SSE (complete snapshots with a preview frame), in words. */
function LiveProgress({ task, onDone, watched }: { task: Task; onDone: (task: Task, status: string) => void; watched: boolean }) {
  const [p, setP] = useState<Progress | null>(null);
  useEffect(() => {
    const es = new EventSource(`/api/tasks/${task.id}/events`);
    const on = (e: MessageEvent) => {
      const snap = JSON.parse(e.data as string) as Progress;
      setP(snap);
      return snap;
    };
    es.addEventListener('progress', on);
    es.addEventListener('done', (e) => {
      const snap = on(e as MessageEvent);
      es.close();
      onDone(task, snap.status);
    });
    es.onerror = () => {
      es.close();
      onDone(task, 'unknown');
    };
    return () => es.close();
  }, [task.id, onDone]);
  const pct = p?.progress ?? task.progress;
  const words = progressWords(p ?? { status: task.status, step: null, of: null, phase: null, elapsed_ms: null });
  return (
    <div className="live">
      {p?.preview ? <img className="preview-frame" src={p.preview} alt="Preview of the current frame" width={64} height={64} /> : <div className="preview-frame empty" aria-hidden="true" />}
      <div className="grow">
        <progress max={100} value={pct} aria-label={`Progress of “${task.prompt}”`}>{pct}%</progress>
        {/* The task the user just submitted reads its progress out (politely: a screen reader finishes its sentence first). */}
        <small data-testid="progress-words" aria-live={watched ? 'polite' : undefined}>{words} · {pct}%</small>
      </div>
    </div>
  );
}

/**
 * The user's tasks with live progress. `openWhenDone`: the task just submitted on Create; it is marked, and when it
 * succeeds its player opens by itself (the video then plays), as a person who pressed Generate expects.
 */
export function TasksPage({ openWhenDone = null }: { openWhenDone?: string | null }) {
  usePageTitle('Tasks');
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const load = useCallback(() => {
    void api<{ data: Task[] }>('GET', '/api/tasks?limit=30').then((r) => setTasks(r.data), (e) => setError((e as Error).message));
  }, []);
  useEffect(load, [load]);
  const finished = useCallback((t: Task, status: string) => {
    // One announcement per finished task (the bar's own updates would flood a screen reader).
    setAnnounce(status === 'succeeded' ? `“${t.prompt}” is ready.` : status === 'unknown' ? '' : `“${t.prompt}” ${status}.`);
    if (t.id === openWhenDone && status === 'succeeded') navigate(`/v/${t.id}`);
    else load();
  }, [load, openWhenDone]);

  const cancel = async (id: string) => {
    await api('POST', `/api/tasks/${id}/cancel`);
    load();
  };
  const retry = async (t: Task) => {
    const body: Record<string, unknown> = { prompt: t.prompt, model: t.model, seed: t.params.seed };
    if (t.negative_prompt) body.negative_prompt = t.negative_prompt;
    if (t.params.steps) body.steps = t.params.steps;
    if (t.params.guidance !== undefined) body.guidance = t.params.guidance;
    if (t.remixed_from) body.remixed_from = t.remixed_from;
    await api('POST', '/api/tasks', body);
    load();
  };

  return (
    <section>
      <h1>Tasks</h1>
      <p className="sr-only" role="status" aria-live="polite">{announce}</p>
      {error && <p role="alert" className="error">{error}</p>}
      {tasks && tasks.length === 0 && <p>No tasks yet. <a {...linkProps('/create')}>Create a video</a>.</p>}
      <ul className="tasks">
        {tasks?.map((t) => (
          <li key={t.id} className={`card task${t.id === openWhenDone ? ' new' : ''}`} data-task-id={t.id} data-status={t.status}>
            <div className="task-head">
              <strong className="prompt">{t.prompt}</strong>
              <span className={`status ${t.status}`}>{t.status}</span>
            </div>
            {t.id === openWhenDone && ACTIVE.has(t.status) && <p className="note">It opens by itself when it is ready.</p>}
            {ACTIVE.has(t.status) && <LiveProgress task={t} onDone={finished} watched={t.id === openWhenDone} />}
            {t.status === 'succeeded' && t.files.find((f) => f.kind === 'poster') && (
              <a {...linkProps(`/v/${t.id}`)}><img className="thumb" src={t.files.find((f) => f.kind === 'poster')!.url} alt={`Poster of “${t.prompt}”`} /></a>
            )}
            {t.error && <p className="error">{t.error.message}</p>}
            <div className="row">
              <small className="note">{t.model} · seed {t.params.seed} · {new Date(t.created_at).toLocaleTimeString()}</small>
              {ACTIVE.has(t.status) && <button type="button" className="secondary" onClick={() => void cancel(t.id)}>Cancel</button>}
              {(t.status === 'failed' || t.status === 'cancelled') && <button type="button" className="secondary" onClick={() => void retry(t)}>Retry</button>}
              {t.status === 'succeeded' && <button type="button" onClick={() => navigate(`/v/${t.id}`)}>Open</button>}
              {t.status === 'succeeded' && <button type="button" className="secondary" aria-label={`Extend “${t.prompt}”`} onClick={() => navigate(`/create?extend=${t.id}`)}>Extend</button>}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
