/**
 * Inputs people give with a task — a first-frame picture, a last-frame picture, a clip to extend — made durable
 * before the task is queued: fetched (through the SSRF guard, redirects checked hop by hop, bytes capped while they
 * arrive) or decoded from base64, checked from their header (size and pixel limits before anything decodes them),
 * and stored in Kineo's blob storage under their sha256. The task row then holds only the keys (task-inputs.ts).
 */
import type { Config } from '../../config.js';
import type { Db } from '../../core/db/database.js';
import { ApiError, errors } from '../../core/errors.js';
import { aspectOfSize, type Aspect } from '../../core/providers/provider.js';
import type { BlobStore } from '../../core/repositories/blob-storage.js';
import { filesRepository } from '../../core/repositories/files.repository.js';
import { tasksRepository } from '../../core/repositories/tasks.repository.js';
import type { UrlGuard } from '../../core/services/url-guard.js';
import type { PinnedResponse } from '../../core/services/pinned-request.js';
import type { StoredInput } from '../../core/tasks/task-inputs.js';
import { parseParams } from '../../core/tasks/task-params.js';
import { checkImage, ImageInputError } from '../../media/image.js';
import { probeVideo } from '../../media/video-probe.js';
import { VideoInputError } from '../../media/video-input.js';

/** A picture as a request carries it: uploaded bytes, text (an http(s) URL, base64 or a data: URL), or one already stored. */
export type PictureSource = { bytes: Buffer } | { text: string } | { stored: StoredPicture };
/** A clip to extend: the id of the caller's own finished video (task id or video file id), uploaded bytes, or one already stored. */
export type VideoSource = { id: string } | { bytes: Buffer } | { stored: StoredVideo };

export interface StoredPicture extends StoredInput {
  width: number;
  height: number;
}

export interface StoredVideo extends StoredInput {
  /** Its length in seconds. */
  seconds: number;
  /** The aspect it was drawn at (its own task's, or the nearest to its frame size). */
  aspect: Aspect;
  /** The delivered size of the video it came from (an extension is delivered at the same size). */
  outputSize?: number;
  outputHeight?: number;
  /** The task whose video it is. */
  taskId?: string;
  /** That task's prompt (an extension that gives none continues with it) and model (one that names none keeps it). */
  prompt?: string;
  model?: string;
}

export class InputsService {
  constructor(private readonly db: Db, private readonly blobs: BlobStore, private readonly guard: UrlGuard, private readonly config: Config) {}

  private get maxBytes(): number {
    return this.config.security.maxUploadBytes;
  }

  /** A picture checked and stored; 400 invalid_image, 413 image_too_large, 400 input_unreachable or url_not_allowed naming `param`. */
  async picture(source: PictureSource, param: string): Promise<StoredPicture> {
    if ('stored' in source) return source.stored;
    const bytes = 'bytes' in source ? source.bytes : await this.pictureBytes(source.text, param);
    let info;
    try {
      info = checkImage(bytes, { maxBytes: this.maxBytes, maxPixels: this.config.inputs.maxImagePixels });
    } catch (err) {
      if (!(err instanceof ImageInputError)) throw err;
      if (err.code === 'image_too_large') throw errors.imageTooLarge(`${param}: ${err.message}`, param);
      throw errors.imageInvalid(`${param} is not a PNG, JPEG or WebP image we can read: ${err.message.replace(/^the picture is not a PNG, JPEG or WebP file we can read /, '')}`, param);
    }
    const sha256 = await this.blobs.put(bytes);
    return { sha256, contentType: `image/${info.format}`, bytes: bytes.byteLength, width: info.width, height: info.height };
  }

  /** A clip to extend: the caller's own finished video (404 for anyone else's), or an uploaded video checked by ffprobe. */
  async video(keyId: string, source: VideoSource, param: string): Promise<StoredVideo> {
    if ('stored' in source) return source.stored;
    if ('id' in source) return this.ownVideo(keyId, source.id, param);
    if (source.bytes.byteLength > this.maxBytes) throw errors.tooLarge(`${param} is ${source.bytes.byteLength} bytes; at most ${this.maxBytes} are allowed`);
    let info;
    try {
      info = await probeVideo(source.bytes);
    } catch (err) {
      if (err instanceof VideoInputError) throw errors.videoInvalid(`${param}: ${err.message}`, param);
      throw err;
    }
    const sha256 = await this.blobs.put(source.bytes);
    return { sha256, contentType: 'video/mp4', bytes: source.bytes.byteLength, seconds: info.duration, aspect: aspectOfSize(info.width, info.height), outputSize: info.width, outputHeight: info.height };
  }

  private async ownVideo(keyId: string, id: string, param: string): Promise<StoredVideo> {
    // Kling's video_id is the id of task_result.videos[] (our video file id); OpenAI's is the video (task) id.
    const fileOf = /^file_(.+)_video$/.exec(id);
    const taskId = fileOf ? `video_${fileOf[1]}` : id;
    const task = await tasksRepository.get(this.db, keyId, taskId);
    if (!task || task.deleted_at !== null) throw errors.notFound(`video ${id}`);
    if (task.status !== 'succeeded') throw errors.conflict('video_not_completed', `video ${id} is ${task.status}; only a completed video can be extended`);
    const file = (await filesRepository.forTask(this.db, task.id)).find((f) => f.kind === 'video');
    if (!file) throw errors.notFound(`the video file of ${id}`);
    const p = parseParams(task.params);
    return {
      sha256: file.sha256, contentType: file.content_type, bytes: file.bytes, seconds: Number(p.seconds), aspect: p.aspect ?? '1:1',
      outputSize: p.output_size, outputHeight: p.output_height, taskId: task.id, prompt: task.prompt, model: task.model,
    };
  }

  /** The bytes of a picture field: fetched when it is an http(s) URL, else decoded from base64 (or a data: URL). */
  private async pictureBytes(text: string, param: string): Promise<Buffer> {
    const value = text.trim();
    if (!value) throw errors.invalid(`${param} is empty; send an http(s) URL or base64 of a PNG, JPEG or WebP image`, param);
    if (/^https?:\/\//i.test(value)) return this.fetchBytes(value, param);
    const b64 = value.replace(/^data:image\/[a-z+.-]+;base64,/i, '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) throw errors.invalid(`${param} is neither an http(s) URL nor valid base64`, param);
    // refused from its length, before decoding
    const size = Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
    if (size > this.maxBytes) throw errors.imageTooLarge(`${param} is ${size} bytes; at most ${this.maxBytes} are allowed`, param);
    return Buffer.from(b64, 'base64');
  }

  /** GET with every hop checked by the SSRF guard, a time limit, and the body capped as it arrives. */
  private async fetchBytes(url: string, param: string): Promise<Buffer> {
    const signal = AbortSignal.timeout(this.config.inputs.fetchTimeoutMs);
    let current = url;
    for (let hop = 0; hop <= 5; hop++) {
      let res: PinnedResponse;
      try {
        // checked and connected to the checked address in one step (no second DNS look-up to rebind)
        res = await this.guard.request(current, param, { signal, headers: { accept: 'image/png, image/jpeg, image/webp' } });
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw errors.inputUnreachable(`${param}: ${url} could not be fetched (${signal.aborted ? 'no answer in time' : (err as Error).message}); send a URL the server can reach, or the image as base64`, param);
      }
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && location) {
        res.body.destroy();
        current = new URL(location, current).toString();
        continue;
      }
      if (res.status < 200 || res.status >= 300) {
        res.body.destroy();
        throw errors.inputUnreachable(`${param}: ${url} answered HTTP ${res.status}; send a URL that serves the image, or the image as base64`, param);
      }
      const declared = Number(res.headers['content-length']);
      if (declared > this.maxBytes) {
        res.body.destroy();
        throw errors.imageTooLarge(`${param}: ${url} is ${declared} bytes; at most ${this.maxBytes} are allowed`, param);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of res.body) {
          total += (chunk as Buffer).byteLength;
          if (total > this.maxBytes) {
            // leaving the loop by a throw destroys the stream
            throw errors.imageTooLarge(`${param}: ${url} is more than ${this.maxBytes} bytes, the most allowed`, param);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if ((err as { status?: number }).status === 413) throw err;
        throw errors.inputUnreachable(`${param}: reading ${url} failed (${signal.aborted ? 'no answer in time' : (err as Error).message})`, param);
      }
      return Buffer.concat(chunks);
    }
    throw errors.inputUnreachable(`${param}: ${url} redirects more than 5 times`, param);
  }
}
