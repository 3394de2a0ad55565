/**
 * `kineo`: another Kineo server as a provider, so one studio can front several machines' models. It speaks the
 * remote's OpenAI videos format with one of the remote's keys (the remote charges that key, and its own queue and
 * workers run the job); the defaults are the shape of the remote's kineo-mini: 2-second clips at 8 fps, square.
 */
import { z } from 'zod';
import { defineKind } from './kind.js';
import { OpenAIVideosProvider, openaiVideosOptions } from './openai.js';

export const kineoKind = defineKind({
  options: z.strictObject({
    /** The remote server's base URL ("http://gpu-box.internal:8080"). */
    url: z.url(),
    /** The remote's model name (its GET /api/models). */
    model: z.string().min(1).max(200).default('kineo-mini'),
    seconds: z.array(z.string().regex(/^\d+(\.\d+)?$/)).min(1).default(['2']),
    /** Pixels across of what the remote delivers (its output is square). */
    outputSize: z.number().int().min(16).max(4096).default(256),
    ...openaiVideosOptions,
    fps: z.number().int().min(1).max(120).default(8),
    pollMs: z.number().int().min(10).max(60_000).default(500),
    expectedRunS: z.number().min(0.01).default(3),
  }),
  defaults: { workers: 4, concurrency: 16 },
  create: ({ url, outputSize, ...i }) => new OpenAIVideosProvider({ ...i, baseUrl: `${url.replace(/\/+$/, '')}/v1`, size: `${outputSize}x${outputSize}` }),
});
