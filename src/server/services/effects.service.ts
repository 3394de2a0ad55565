/**
 * The effect template catalog and its gallery previews: each preview is what the built-in model makes of
 * "<subject> <prompt fragment>" — a real task run by the workers (so in scale-out mode the server still runs no
 * model code) under the server's own key — turned into a small looping GIF and cached under <dataDir>/effects,
 * named by a hash of what it shows and which model drew it (an edited template or a new model renders a new one).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from '../../core/errors.js';
import { findTemplate, type EffectCatalog, type EffectTemplate } from '../effects/catalog.js';
import { mp4ToGif } from '../../media/gif.js';

const PREVIEW = { outputSize: 160 };
const DEFAULT_SUBJECT = 'a cat on the grass';

export const previewCaption = (t: EffectTemplate) => `${t.params?.subject ?? DEFAULT_SUBJECT} ${t.prompt_fragment}`;

/** Makes a clip of a caption with the built-in model and returns its MP4 (kineo.ts runs it as a task). */
export interface PreviewRenderer {
  model: string;
  render(caption: string, seed: number, outputSize: number, signal?: AbortSignal): Promise<Buffer>;
}

export interface PrerenderReport {
  drawn: number;
  cached: number;
  failed: { id: string; message: string }[];
  ms: number;
}

export class EffectsService {
  private readonly dir: string;
  private readonly inFlight = new Map<string, Promise<Buffer>>();

  constructor(readonly catalog: EffectCatalog, dataDir: string, private readonly renderer: PreviewRenderer) {
    this.dir = join(dataDir, 'effects');
  }

  get(id: string): EffectTemplate {
    const t = findTemplate(this.catalog, id);
    if (!t) throw errors.notFound(`effect template ${id}`);
    return t;
  }

  private cacheName(t: EffectTemplate): string {
    const what = JSON.stringify({ v: 2, model: this.renderer.model, caption: previewCaption(t), seed: t.params?.seed ?? 1, ...PREVIEW });
    return `${createHash('sha256').update(what).digest('hex').slice(0, 32)}.gif`;
  }

  /** Whether a template's preview is drawn already (the gallery shows a placeholder until it is). */
  ready(id: string): boolean {
    return existsSync(join(this.dir, this.cacheName(this.get(id))));
  }

  /** The preview GIF of a template: from the cache, else made once (concurrent asks share one generation). */
  preview(id: string, signal?: AbortSignal): Promise<Buffer> {
    const t = this.get(id);
    const path = join(this.dir, this.cacheName(t));
    if (existsSync(path)) return Promise.resolve(readFileSync(path));
    let p = this.inFlight.get(path);
    if (!p) {
      p = this.make(t, path, signal).finally(() => this.inFlight.delete(path));
      this.inFlight.set(path, p);
    }
    return p;
  }

  /**
   * Draws every template's missing preview at server start, so the first visit to the gallery finds them made
   * (53.6 s of spinners measured on a first visit before). One at a time: a user's own task never waits behind
   * more than one preview. A failure is reported and the gallery draws that one on demand later.
   */
  async prerender(signal: AbortSignal): Promise<PrerenderReport> {
    const t0 = performance.now();
    const report: PrerenderReport = { drawn: 0, cached: 0, failed: [], ms: 0 };
    for (const t of this.catalog.templates) {
      if (signal.aborted) break;
      if (this.ready(t.id)) {
        report.cached++;
        continue;
      }
      try {
        await this.preview(t.id, signal);
        report.drawn++;
      } catch (err) {
        if (signal.aborted) break;
        report.failed.push({ id: t.id, message: (err as Error).message });
      }
    }
    report.ms = Math.round(performance.now() - t0);
    return report;
  }

  private async make(t: EffectTemplate, path: string, signal?: AbortSignal): Promise<Buffer> {
    const mp4 = await this.renderer.render(previewCaption(t), t.params?.seed ?? 1, PREVIEW.outputSize, signal);
    const gif = await mp4ToGif(mp4);
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      writeFileSync(tmp, gif);
      renameSync(tmp, path);
    } finally {
      rmSync(tmp, { force: true });
    }
    return gif;
  }
}
