/**
 * A task's input files — the first frame, the last frame, the clip to extend. The API checks and stores them in
 * Kineo's blob storage before the task is queued; the task row keeps their storage keys (params.inputs) and a file
 * record per input keeps each blob alive for as long as the task exists (deleting the source video of an extension
 * does not pull the bytes out from under a queued task). The worker loads them here into the provider request.
 */
import type { Insertable } from 'kysely';
import type { FilesTable } from '../db/schema.js';
import type { BlobStore } from '../repositories/blob-storage.js';

export type InputRole = 'image' | 'last_image' | 'extend';
export const INPUT_ROLES: readonly InputRole[] = ['image', 'last_image', 'extend'];

/** The sha256 of each input the task has. */
export type TaskInputKeys = Partial<Record<InputRole, string>>;

/** A stored input: its storage key and what the file record says of it. */
export interface StoredInput {
  sha256: string;
  contentType: string;
  bytes: number;
}

/** The file-record kind of each input (the outputs are video, poster, spritesheet). */
export const INPUT_FILE_KIND: Record<InputRole, string> = { image: 'input_image', last_image: 'input_last_image', extend: 'input_video' };

/** The file records that tie a task's inputs to it (fixed ids, so writing them twice inserts nothing). */
export function inputFileRows(task: { id: string; key_id: string }, inputs: Partial<Record<InputRole, StoredInput>>, now: number): Insertable<FilesTable>[] {
  const hex = task.id.replace(/^video_/, '');
  return INPUT_ROLES.flatMap((role) => {
    const input = inputs[role];
    if (!input) return [];
    return [{ id: `file_${hex}_${INPUT_FILE_KIND[role]}`, key_id: task.key_id, task_id: task.id, kind: INPUT_FILE_KIND[role], sha256: input.sha256, content_type: input.contentType, bytes: input.bytes, created_at: now }];
  });
}

/** A task whose input can no longer be read: it fails with this sentence rather than running without it. */
export class TaskInputMissing extends Error {
  constructor(readonly role: InputRole, cause: string) {
    super(`the task's ${role === 'image' ? 'first-frame picture' : role === 'last_image' ? 'last-frame picture' : 'video to extend'} can no longer be read from storage (${cause}); submit the task again`);
    this.name = 'TaskInputMissing';
  }
}

export interface LoadedInputs {
  image?: Buffer;
  lastImage?: Buffer;
  extend?: Buffer;
}

/** Reads a task's inputs from blob storage; throws TaskInputMissing naming the first that cannot be read. */
export async function loadTaskInputs(blobs: BlobStore, keys: TaskInputKeys | undefined): Promise<LoadedInputs> {
  const read = async (role: InputRole): Promise<Buffer | undefined> => {
    const sha = keys?.[role];
    if (!sha) return undefined;
    // Gone for good fails the task; any other read error (a storage hiccup) is thrown as is and retried.
    if (!(await blobs.has(sha))) throw new TaskInputMissing(role, 'no such blob');
    return blobs.read(sha);
  };
  return { image: await read('image'), lastImage: await read('last_image'), extend: await read('extend') };
}
