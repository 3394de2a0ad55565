/**
 * Which ad batch or storyboard each of a page of tasks belongs to, and those groups' summaries (views/task-groups.ts):
 * the task list and My videos fold a batch's or a film's child tasks under one entry.
 */
import type { Db } from '../../core/db/database.js';
import { batchesRepository } from '../../core/repositories/batches.repository.js';
import { storyboardsRepository } from '../../core/repositories/storyboards.repository.js';
import { batchGroup, storyboardGroup, type TaskGroup, type TaskGroupRef } from '../views/task-groups.js';
import type { BatchesService } from './batches.service.js';
import type { StoryboardsService } from './storyboards.service.js';

export interface TaskGroups {
  /** Task id → its group; tasks of no group are absent. */
  of: Map<string, TaskGroupRef>;
  /** Each group named in `of` once, in the order its first task came. */
  groups: TaskGroup[];
}

export class TaskGroupsService {
  constructor(private readonly db: Db, private readonly batches: BatchesService, private readonly storyboards: StoryboardsService) {}

  async of(keyId: string, taskIds: string[]): Promise<TaskGroups> {
    const of = new Map<string, TaskGroupRef>();
    if (taskIds.length === 0) return { of, groups: [] };
    const [variants, shots] = await Promise.all([batchesRepository.variantsOfTasks(this.db, taskIds), storyboardsRepository.shotsOfTasks(this.db, taskIds)]);
    for (const v of variants) of.set(v.task_id, { kind: 'batch', id: v.batch_id, index: v.idx });
    for (const s of shots) of.set(s.task_id, { kind: 'storyboard', id: s.storyboard_id, index: s.idx });
    const named = new Map<string, TaskGroupRef>();
    for (const id of taskIds) {
      const ref = of.get(id);
      if (ref && !named.has(`${ref.kind}:${ref.id}`)) named.set(`${ref.kind}:${ref.id}`, ref);
    }
    // A group of another key (never: children run on their parent's key) is left out, its tasks then ungrouped.
    const groups = await Promise.all([...named.values()].map((ref) => (ref.kind === 'batch'
      ? this.batches.get(keyId, ref.id).then(batchGroup)
      : this.storyboards.get(keyId, ref.id).then(storyboardGroup)).catch(() => null)));
    const found = groups.filter((g): g is TaskGroup => g !== null);
    const kept = new Set(found.map((g) => `${g.kind}:${g.id}`));
    for (const [id, ref] of of) if (!kept.has(`${ref.kind}:${ref.id}`)) of.delete(id);
    return { of, groups: found };
  }
}
