/**
 * Clips the server needs for itself (effect gallery previews) made the way users' clips are: a task under the
 * server's own key, run by whichever worker takes it (in-process or `kineo worker`), its MP4 read back from storage.
 */
import { ApiError } from '../../core/errors.js';
import type { FilesService } from '../../core/services/files.service.js';
import type { PreviewRenderer } from './effects.service.js';
import type { TasksService } from './tasks.service.js';

export interface TaskRendererDeps {
  tasks: TasksService;
  files: FilesService;
  systemKey: () => Promise<string>;
  /** The model that draws the previews (the built-in one). */
  model: string;
  timeoutMs?: number;
}

export function taskPreviewRenderer(deps: TaskRendererDeps): PreviewRenderer {
  return {
    model: deps.model,
    async render(caption, seed, outputSize, signal) {
      const keyId = await deps.systemKey();
      const { task } = await deps.tasks.create(keyId, {
        api: 'native', capability: 'effects', model: deps.model, prompt: caption, settings: { seed }, outputSize,
      }, { fingerprint: null });
      const deadline = Date.now() + (deps.timeoutMs ?? 600_000);
      for (;;) {
        const t = await deps.tasks.get(keyId, task.id);
        if (t.status === 'succeeded') break;
        if (t.status === 'failed' || t.status === 'cancelled') {
          throw new ApiError(503, 'preview_failed', `the preview could not be made (${t.error_message ?? t.status}); try again later`, 5000);
        }
        if (signal?.aborted) throw new ApiError(503, 'preview_pending', 'the server is stopping; the preview is made on the next start', 5000);
        if (Date.now() > deadline) throw new ApiError(503, 'preview_pending', 'the preview is still being made (the workers are busy); try again in a minute', 5000);
        await new Promise((r) => setTimeout(r, 100));
      }
      const video = (await deps.files.forTask(task.id)).find((f) => f.kind === 'video');
      if (!video) throw new ApiError(503, 'preview_failed', 'the preview task finished without a video', 5000);
      return deps.files.blobs.read(video.sha256);
    },
  };
}
