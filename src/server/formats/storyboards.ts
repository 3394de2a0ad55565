/** The storyboard API's request schemas (/api/storyboards). Limits that depend on the model are checked by the service. */
import { z } from 'zod';
import { plainText } from './text.js';
import { CAMERAS } from '../../world/vocabulary.js';
import { FILLS, TRANSITIONS } from '../../media/transitions.js';

/** At most this many shots in one storyboard (each is a clip, a child task and a slot). */
export const MAX_SHOTS = 12;

export const StoryboardShot = z.strictObject({
  prompt: plainText(z.string().max(500)).describe('What the subject does and where, in the caption grammar ("bounces on the beach"); the subject is put in front'),
  duration: z.number().positive().max(60).optional()
    .describe('Seconds in the film (default: one clip). Shorter than a clip: its start; longer: the clip fills it (see fill). Range: 1 s to 3 clips'),
  camera: z.enum(CAMERAS).default('none').describe('A camera move the model knows; it adds its caption phrase ("the camera pans left")'),
  transition: z.enum(TRANSITIONS).optional()
    .describe('Into the next shot (default crossfade). On the last shot it is the ending: cut or fade_black (default cut)'),
  fill: z.enum(FILLS).default('loop').describe('How a clip fills a longer shot: loop, pingpong (forth and back) or hold (freeze the last frame)'),
}).meta({ id: 'StoryboardShot' });

export const StoryboardCreateBody = z.strictObject({
  title: plainText(z.string().max(100)).describe('Drawn on the title card that opens the film'),
  subject: plainText(z.string().max(200)).describe('The one subject of every shot ("a red fox"), put in front of each shot prompt'),
  shots: z.array(StoryboardShot).min(1, 'add at least one shot').max(MAX_SHOTS, `at most ${MAX_SHOTS} shots are allowed; split the story into two storyboards`),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional().describe('One seed for every shot (random when absent): the same subject drawn the same way'),
  model: z.string().max(200).optional(),
  size: z.number().int().min(16).max(512).optional().describe('Pixels across of the film (default the server\'s output size, 256)'),
  title_seconds: z.number().min(1).max(5).default(2).describe('How long the title card shows'),
}).meta({ id: 'StoryboardCreate' });

export type StoryboardCreate = z.infer<typeof StoryboardCreateBody>;

export const StoryboardListQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
