/**
 * The effect template catalog and its gallery previews: each preview is the oracle's ground truth of
 * "<subject> <prompt fragment>" encoded as a small looping GIF, rendered once and cached under <dataDir>/effects
 * (named by a hash of what it shows, so an edited template renders a new one).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderCaption } from '../../world/index.js';
import { encodeVideo } from '../../engine/video.js';
import { errors } from '../errors.js';
import { findTemplate, type EffectCatalog, type EffectTemplate } from '../effects/catalog.js';

const PREVIEW = { frames: 16, width: 64, height: 64, fps: 8, outputSize: 160 };
const DEFAULT_SUBJECT = 'a cat on the grass';

export const previewCaption = (t: EffectTemplate) => `${t.params?.subject ?? DEFAULT_SUBJECT} ${t.prompt_fragment}`;

export class EffectsService {
  private readonly dir: string;
  private readonly inFlight = new Map<string, Promise<Buffer>>();

  constructor(readonly catalog: EffectCatalog, dataDir: string) {
    this.dir = join(dataDir, 'effects');
  }

  get(id: string): EffectTemplate {
    const t = findTemplate(this.catalog, id);
    if (!t) throw errors.notFound(`effect template ${id}`);
    return t;
  }

  private cacheName(t: EffectTemplate): string {
    const what = JSON.stringify({ v: 1, caption: previewCaption(t), seed: t.params?.seed ?? 1, ...PREVIEW });
    return `${createHash('sha256').update(what).digest('hex').slice(0, 32)}.gif`;
  }

  /** The preview GIF of a template: from the cache, else rendered once (concurrent asks share one render). */
  preview(id: string): Promise<Buffer> {
    const t = this.get(id);
    const path = join(this.dir, this.cacheName(t));
    if (existsSync(path)) return Promise.resolve(readFileSync(path));
    let p = this.inFlight.get(path);
    if (!p) {
      p = this.render(t, path).finally(() => this.inFlight.delete(path));
      this.inFlight.set(path, p);
    }
    return p;
  }

  private async render(t: EffectTemplate, path: string): Promise<Buffer> {
    const { clip } = renderCaption(previewCaption(t), t.params?.seed ?? 1, { frames: PREVIEW.frames, width: PREVIEW.width, height: PREVIEW.height });
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp.gif`;
    try {
      await encodeVideo(clip, { path: tmp, format: 'gif', fps: PREVIEW.fps, outputSize: PREVIEW.outputSize });
      renameSync(tmp, path);
    } finally {
      rmSync(tmp, { force: true });
    }
    return readFileSync(path);
  }
}
