import { useCallback, useEffect, useState } from 'react';
import { api, type Progress, type Task, type TaskGroup } from '../api';
import { ACTIVE_GROUP, GroupEntry, groupEntries } from './TaskGroup';
import { linkProps, navigate } from '../router';
import { usePageTitle } from '../a11y';
import { progressWords } from '../progress-words';
import { LOCALE, useT } from '../i18n';
import { errorText, storedErrorText } from '../i18n/errors';

const ACTIVE = new Set(['queued', 'running']);

/** One unfinished task's live progress over SSE (complete snapshots with a preview frame), in words. */
function LiveProgress({ task, onDone, watched }: { task: Task; onDone: (task: Task, status: string) => void; watched: boolean }) {
  const t = useT();
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
  const words = progressWords(p ?? { status: task.status, step: null, of: null, phase: null, elapsed_ms: null }, t);
  return (
    <div className="live">
      {p?.preview ? <img className="preview-frame" src={p.preview} alt={t('tasks.previewAlt')} width={64} height={64} /> : <div className="preview-frame empty" aria-hidden="true" />}
      <div className="grow">
        <progress max={100} value={pct} aria-label={t('tasks.progressOf', { prompt: task.prompt })}>{pct}%</progress>
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
  const t = useT();
  usePageTitle(t('tasks.title'));
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [groups, setGroups] = useState<TaskGroup[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [announce, setAnnounce] = useState('');
  const load = useCallback(() => {
    void api<{ data: Task[]; groups: TaskGroup[] }>('GET', '/api/tasks?limit=30').then((r) => {
      setTasks(r.data);
      setGroups(r.groups);
    }, setError);
  }, []);
  useEffect(load, [load]);
  // A batch or film still at work is polled (its folded children open no progress streams of their own).
  useEffect(() => {
    if (!groups.some((g) => ACTIVE_GROUP.has(g.status))) return;
    const timer = setTimeout(load, 2000);
    return () => clearTimeout(timer);
  }, [groups, load]);
  const finished = useCallback((task: Task, status: string) => {
    // One announcement per finished task (the bar's own updates would flood a screen reader).
    setAnnounce(status === 'succeeded' ? t('tasks.ready', { prompt: task.prompt }) : status === 'unknown' ? ''
      : t('tasks.ended', { prompt: task.prompt, status: t.has(`status.${status}`) ? t(`status.${status}` as 'status.failed') : status }));
    if (task.id === openWhenDone && status === 'succeeded') navigate(`/v/${task.id}`);
    else load();
  }, [load, openWhenDone, t]);

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

  const row = (task: Task, inGroup = false) => (
    <li key={task.id} className={`card task${task.id === openWhenDone ? ' new' : ''}`} data-task-id={task.id} data-status={task.status}>
      <div className="task-head">
        <strong className="prompt" translate="no">{task.prompt}</strong>
        <span className={`status ${task.status}`}>{t(`status.${task.status}`)}</span>
      </div>
      {task.id === openWhenDone && ACTIVE.has(task.status) && <p className="note">{t('tasks.opensItself')}</p>}
      {ACTIVE.has(task.status) && (inGroup
        // A batch's or film's child: the group's polling moves its bar (20 event streams would starve the browser's
        // six connections to the server).
        ? <div className="grow"><progress max={100} value={task.progress} aria-label={t('tasks.progressOf', { prompt: task.prompt })}>{task.progress}%</progress><small>{task.progress}%</small></div>
        : <LiveProgress task={task} onDone={finished} watched={task.id === openWhenDone} />)}
      {task.status === 'succeeded' && task.files.find((f) => f.kind === 'poster') && (
        <a {...linkProps(`/v/${task.id}`)}><img className="thumb" src={task.files.find((f) => f.kind === 'poster')!.url} alt={t('tasks.posterOf', { prompt: task.prompt })} /></a>
      )}
      {task.error && <p className="error">{storedErrorText(task.error, t)}</p>}
      <div className="row">
        <small className="note">{t.rich('tasks.meta', { model: <span key="m" translate="no">{task.model}</span>, seed: task.params.seed, time: new Date(task.created_at).toLocaleTimeString(LOCALE[t.lang]) })}</small>
        {ACTIVE.has(task.status) && <button type="button" className="secondary" onClick={() => void cancel(task.id)}>{t('tasks.cancel')}</button>}
        {(task.status === 'failed' || task.status === 'cancelled') && <button type="button" className="secondary" onClick={() => void retry(task)}>{t('tasks.retry')}</button>}
        {task.status === 'succeeded' && <button type="button" onClick={() => navigate(`/v/${task.id}`)}>{t('tasks.open')}</button>}
        {task.status === 'succeeded' && <button type="button" className="secondary" aria-label={t('tasks.extendOf', { prompt: task.prompt })} onClick={() => navigate(`/create?extend=${task.id}`)}>{t('tasks.extend')}</button>}
      </div>
    </li>
  );

  return (
    <section>
      <h1>{t('tasks.title')}</h1>
      <p className="sr-only" role="status" aria-live="polite">{announce}</p>
      {error !== null && <p role="alert" className="error">{errorText(error, t)}</p>}
      {tasks && tasks.length === 0 && <p>{t.rich('tasks.empty', { link: <a key="link" {...linkProps('/create')}>{t('tasks.createVideo')}</a> })}</p>}
      <ul className="tasks">
        {tasks && groupEntries(tasks, groups).map((e) => ('item' in e ? row(e.item) : (
          <GroupEntry key={`${e.group.kind}:${e.group.id}`} group={e.group} count={e.items.length}>
            {() => <ul className="tasks">{e.items.map((task) => row(task, true))}</ul>}
          </GroupEntry>
        )))}
      </ul>
    </section>
  );
}
