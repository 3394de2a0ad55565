import { useCallback, useEffect, useState } from 'react';
import { api, type Progress, type Task } from '../api';
import { linkProps, navigate } from '../router';

const ACTIVE = new Set(['queued', 'running']);

/** One unfinished task's live progress over SSE (complete snapshots with a preview frame). */
function LiveProgress({ task, onDone }: { task: Task; onDone: () => void }) {
  const [p, setP] = useState<Progress | null>(null);
  useEffect(() => {
    const es = new EventSource(`/api/tasks/${task.id}/events`);
    const on = (e: MessageEvent) => setP(JSON.parse(e.data as string) as Progress);
    es.addEventListener('progress', on);
    es.addEventListener('done', (e) => {
      on(e as MessageEvent);
      es.close();
      onDone();
    });
    es.onerror = () => {
      es.close();
      onDone();
    };
    return () => es.close();
  }, [task.id, onDone]);
  const pct = p?.progress ?? task.progress;
  return (
    <div className="live">
      {p?.preview ? <img className="preview-frame" src={p.preview} alt="Preview of the current frame" width={64} height={64} /> : <div className="preview-frame empty" aria-hidden="true" />}
      <div className="grow">
        <progress max={100} value={pct} aria-label={`Progress of ${task.id}`}>{pct}%</progress>
        <small>{p?.status ?? task.status}{p && p.of ? ` · ${p.phase} ${p.step}/${p.of}` : ''} · {pct}%</small>
      </div>
    </div>
  );
}

export function TasksPage() {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    void api<{ data: Task[] }>('GET', '/api/tasks?limit=30').then((r) => setTasks(r.data), (e) => setError((e as Error).message));
  }, []);
  useEffect(load, [load]);

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
      {error && <p role="alert" className="error">{error}</p>}
      {tasks && tasks.length === 0 && <p>No tasks yet. <a {...linkProps('/create')}>Create a video</a>.</p>}
      <ul className="tasks">
        {tasks?.map((t) => (
          <li key={t.id} className="card task" data-task-id={t.id} data-status={t.status}>
            <div className="task-head">
              <strong className="prompt">{t.prompt}</strong>
              <span className={`status ${t.status}`}>{t.status}</span>
            </div>
            {ACTIVE.has(t.status) && <LiveProgress task={t} onDone={load} />}
            {t.status === 'succeeded' && t.files.find((f) => f.kind === 'poster') && (
              <a {...linkProps(`/v/${t.id}`)}><img className="thumb" src={t.files.find((f) => f.kind === 'poster')!.url} alt={`Poster of “${t.prompt}”`} /></a>
            )}
            {t.error && <p className="error">{t.error.message}</p>}
            <div className="row">
              <small>{t.model} · seed {t.params.seed} · {new Date(t.created_at).toLocaleTimeString()}</small>
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
