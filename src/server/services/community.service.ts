/**
 * The community loop: a user publishes a finished video, others watch it (views), like it (once each), report it,
 * and remix it (a new task with the same parameters whose `remixed_from` names the parent). Admins hide what was
 * reported. A video is visible to everyone once published and not hidden, and always to its owner.
 */
import type { Db } from '../../core/db/database.js';
import { ApiError, errors } from '../../core/errors.js';
import { communityRepository, type FeedSort } from '../repositories/community.repository.js';
import { keysRepository } from '../../core/repositories/keys.repository.js';
import { tasksRepository, type TaskRow } from '../../core/repositories/tasks.repository.js';
import { parseParams } from '../../core/tasks/task-params.js';
import type { AccountsService } from './accounts.service.js';
import type { FilesService } from '../../core/services/files.service.js';
import type { Video } from '../views/studio.js';

export interface Viewer {
  id: string;
  isAdmin: boolean;
}

export class CommunityService {
  constructor(private readonly db: Db, private readonly files: FilesService, private readonly accounts: AccountsService) {}

  private async ownerOf(task: TaskRow): Promise<string | null> {
    return (await keysRepository.byId(this.db, task.key_id))?.user_id ?? null;
  }

  private async liveTask(id: string): Promise<TaskRow> {
    const task = await tasksRepository.byId(this.db, id);
    if (!task || task.deleted_at !== null) throw errors.notFound(`video ${id}`);
    return task;
  }

  /** A task the viewer may see (published and visible, or theirs, or any for an admin); 404 otherwise. */
  private async visible(id: string, viewer: Viewer | null) {
    const task = await this.liveTask(id);
    const pub = await communityRepository.publication(this.db, id);
    const owner = await this.ownerOf(task);
    const mine = viewer !== null && owner === viewer.id;
    if (!mine && !(pub && (pub.hidden === 0 || viewer?.isAdmin))) throw errors.notFound(`video ${id}`);
    return { task, pub, owner, mine };
  }

  async video(id: string, viewer: Viewer | null): Promise<Video> {
    const { task, pub, owner, mine } = await this.visible(id, viewer);
    const [one] = await this.views([task], viewer, new Map(pub ? [[task.id, pub]] : []), owner ? new Map([[task.id, owner]]) : new Map());
    const v = one!;
    v.mine = mine;
    if (task.remixed_from) {
      const parent = await tasksRepository.byId(this.db, task.remixed_from);
      v.parent = parent && parent.deleted_at === null ? { id: parent.id, prompt: parent.prompt } : null;
    }
    v.children = await communityRepository.children(this.db, task.id);
    return v;
  }

  async feed(viewer: Viewer | null, sort: FeedSort, limit: number, offset: number): Promise<{ data: Video[]; next_offset: number | null }> {
    const pubs = await communityRepository.feed(this.db, sort, limit + 1, offset);
    const page = pubs.slice(0, limit);
    const tasks = (await Promise.all(page.map((p) => tasksRepository.byId(this.db, p.task_id)))).filter((t): t is TaskRow => !!t && t.deleted_at === null);
    const data = await this.views(tasks, viewer, new Map(page.map((p) => [p.task_id, p])), new Map(page.map((p) => [p.task_id, p.user_id])));
    return { data, next_offset: pubs.length > limit ? offset + limit : null };
  }

  async mine(viewer: Viewer, keyId: string, limit: number): Promise<Video[]> {
    const { tasks } = { tasks: await tasksRepository.page(this.db, { keyId, order: 'desc', limit }) };
    const done = tasks.filter((t) => t.status === 'succeeded');
    const pubs = await Promise.all(done.map((t) => communityRepository.publication(this.db, t.id)));
    return this.views(done, viewer, new Map(pubs.filter((p) => !!p).map((p) => [p!.task_id, p!])), new Map(done.map((t) => [t.id, viewer.id])));
  }

  async publish(viewer: Viewer, id: string): Promise<Video> {
    const task = await this.liveTask(id);
    if ((await this.ownerOf(task)) !== viewer.id) throw errors.notFound(`video ${id}`);
    if (task.status !== 'succeeded') throw errors.conflict('not_finished', `task ${id} is ${task.status}; only a finished video can be published`);
    await communityRepository.publish(this.db, id, viewer.id, Date.now());
    return this.video(id, viewer);
  }

  async unpublish(viewer: Viewer, id: string): Promise<Video> {
    const task = await this.liveTask(id);
    if ((await this.ownerOf(task)) !== viewer.id) throw errors.notFound(`video ${id}`);
    await communityRepository.unpublish(this.db, id);
    return this.video(id, viewer);
  }

  async like(viewer: Viewer, id: string, on: boolean): Promise<{ id: string; liked: boolean; likes: number }> {
    const { pub } = await this.visible(id, viewer);
    if (!pub) throw errors.conflict('not_published', 'only published videos can be liked');
    await this.db.transaction().execute((trx) => on ? communityRepository.like(trx, id, viewer.id, Date.now()) : communityRepository.unlike(trx, id, viewer.id));
    const after = await communityRepository.publication(this.db, id);
    return { id, liked: on, likes: after?.likes ?? 0 };
  }

  async view(viewer: Viewer | null, id: string): Promise<{ id: string; views: number }> {
    const { pub, mine } = await this.visible(id, viewer);
    if (pub && !mine) await communityRepository.view(this.db, id);
    return { id, views: (await communityRepository.publication(this.db, id))?.views ?? 0 };
  }

  async report(viewer: Viewer, id: string, reason: string): Promise<{ id: string; reported: boolean }> {
    const { pub } = await this.visible(id, viewer);
    if (!pub) throw errors.conflict('not_published', 'only published videos can be reported');
    await this.db.transaction().execute((trx) => communityRepository.report(trx, id, viewer.id, reason, Date.now()));
    return { id, reported: true };
  }

  async hide(viewer: Viewer, id: string, hidden: boolean): Promise<Video> {
    if (!viewer.isAdmin) throw new ApiError(403, 'forbidden', 'only an admin can hide or show videos', 1000);
    const pub = await communityRepository.publication(this.db, id);
    if (!pub) throw errors.notFound(`published video ${id}`);
    await communityRepository.setHidden(this.db, id, hidden);
    return this.video(id, viewer);
  }

  /** A remix's parent must be a video this user may see. */
  async checkRemixSource(viewer: Viewer | null, id: string): Promise<void> {
    const { task } = await this.visible(id, viewer).catch(() => {
      throw errors.invalid(`remixed_from: video ${id} does not exist or is not published`, 'remixed_from');
    });
    if (task.status !== 'succeeded') throw errors.invalid(`remixed_from: video ${id} has not finished`, 'remixed_from');
  }

  private async views(tasks: TaskRow[], viewer: Viewer | null, pubs: Map<string, { published_at: number; hidden: number; views: number; likes: number; reports: number }>, owners: Map<string, string>): Promise<Video[]> {
    const liked = viewer ? new Set((await communityRepository.likedBy(this.db, viewer.id, tasks.map((t) => t.id))).map((r) => r.task_id)) : new Set<string>();
    const names = await this.accounts.usernames([...owners.values()]);
    return Promise.all(tasks.map(async (t) => {
      const files = t.status === 'succeeded' ? await this.files.forTask(t.id) : [];
      const url = (kind: string) => {
        const f = files.find((x) => x.kind === kind);
        return f ? this.files.signedUrl(f).url : null;
      };
      const pub = pubs.get(t.id);
      const owner = owners.get(t.id);
      return {
        id: t.id, prompt: t.prompt, negative_prompt: t.negative_prompt, model: t.model, params: parseParams(t.params), status: t.status,
        author: (owner && names.get(owner)) ?? 'api', mine: viewer !== null && owner === viewer.id,
        published: !!pub, published_at: pub?.published_at ?? null, hidden: pub?.hidden === 1,
        views: pub?.views ?? 0, likes: pub?.likes ?? 0, liked: liked.has(t.id), reports: viewer?.isAdmin ? pub?.reports ?? 0 : null,
        remixed_from: t.remixed_from, parent: null, children: [],
        video_url: url('video'), poster_url: url('poster'), created_at: t.created_at,
      };
    }));
  }
}
