/**
 * An ad batch's or a storyboard's child tasks folded under one entry (Tasks, My videos): the batch's name or the
 * film's title, its status and count done, the zip or the film once made, and the children in a <details> that
 * draws them only while open (a 20-variant batch's rows are long; the page that holds it polls while it runs).
 */
import { useState, type ReactNode } from 'react';
import type { TaskGroup, TaskGroupRef } from '../api';
import { linkProps } from '../router';
import { useT } from '../i18n';

export const ACTIVE_GROUP = new Set(['queued', 'running', 'assembling']);

export type Entry<T> = { item: T } | { group: TaskGroup; items: T[] };

/**
 * The list as entries: each item of a known group joins that group's entry, placed where the group's first
 * (newest) item was; every other item stays where it was, on its own.
 */
export function groupEntries<T extends { id: string; group?: TaskGroupRef | null }>(items: T[], groups: TaskGroup[]): Entry<T>[] {
  const known = new Map(groups.map((g) => [`${g.kind}:${g.id}`, g]));
  const open = new Map<string, { group: TaskGroup; items: T[] }>();
  const entries: Entry<T>[] = [];
  for (const item of items) {
    const key = item.group ? `${item.group.kind}:${item.group.id}` : '';
    const group = known.get(key);
    if (!group) {
      entries.push({ item });
      continue;
    }
    let entry = open.get(key);
    if (!entry) {
      entry = { group, items: [] };
      open.set(key, entry);
      entries.push(entry);
    }
    entry.items.push(item);
  }
  for (const e of open.values()) e.items.sort((a, b) => (a.group?.index ?? 0) - (b.group?.index ?? 0));
  return entries;
}

const pageOf = (g: TaskGroup) => (g.kind === 'batch' ? `/ads?id=${encodeURIComponent(g.id)}` : `/storyboard?id=${encodeURIComponent(g.id)}`);

/** One group's entry; `children` draws its items (called only while the group is open). */
export function GroupEntry({ group, count, className = '', children }: { group: TaskGroup; count: number; className?: string; children: () => ReactNode }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const out = group.output;
  return (
    <li className={`card task-group ${className}`} data-group-id={group.id} data-group-kind={group.kind} data-status={group.status}>
      <div className="task-head">
        <span className="group-title">
          <small className="group-kind">{t(group.kind === 'batch' ? 'groups.batch' : 'groups.film')}</small>
          <a {...linkProps(pageOf(group))} translate="no"><strong>{group.title}</strong></a>
        </span>
        <span className={`status ${group.status}`}>{t(`status.${group.status}`)}</span>
      </div>
      {out?.poster_url && <a {...linkProps(pageOf(group))}><img className="thumb" src={out.poster_url} alt={t('groups.posterOf', { title: group.title })} /></a>}
      {ACTIVE_GROUP.has(group.status) && <progress max={100} value={group.progress} aria-label={t('groups.progressOf', { title: group.title })}>{group.progress}%</progress>}
      <div className="row">
        <small data-testid="group-counts">{t('groups.done', { done: group.succeeded, total: group.total })}{group.failed ? t('groups.failed', { n: group.failed }) : ''}</small>
        {out?.kind === 'zip' && <a className="button" href={out.url} download data-testid="group-output">{t('ads.download', { kb: Math.ceil(out.bytes / 1024) })}</a>}
        {out?.kind === 'film' && <a className="button" {...linkProps(pageOf(group))} data-testid="group-output">{t('groups.watchFilm')}</a>}
      </div>
      <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>{count < group.total ? t('groups.clipsHere', { n: count, total: group.total }) : t('groups.clips', { n: count })}</summary>
        {open && children()}
      </details>
    </li>
  );
}
