/**
 * A storyboard request → its plan: each shot's caption (subject + prompt + the camera phrase the model was trained
 * on), whole-frame durations, transitions, and the film's length. Everything a user can get wrong is refused here
 * with a sentence that says what to do, before anything is written.
 *
 * Shot length vs clip length: a model makes fixed-length clips (kineo-mini and the oracle: 16 frames at 8 fps, 2 s)
 * and a shot costs exactly one clip. A shorter shot uses the clip's start; a longer one fills with the same clip
 * (loop, pingpong or hold) up to 3 clips' length. Every shot is at least 2 transitions long (1 s at 8 fps), so that
 * the transitions at both of its ends fit.
 */
import { CAMERA_WORDS } from '../../world/lexicon.js';
import { planFilm } from '../../media/timeline.js';
import { filmSegments } from '../../media/film.js';
import type { Transition } from '../../media/transitions.js';
import { errors } from '../../core/errors.js';
import type { StoryboardCreate } from '../formats/storyboards.js';
import type { Provider } from '../../core/providers/provider.js';
import type { StoryboardFilmPlan, StoryboardShotPlan } from '../views/storyboards.js';

/** Every overlapping transition, and each half of a dip to black, lasts this long. */
export const TRANSITION_SECONDS = 0.5;
/** A shot may last at most this many clips (the clip fills the rest). */
export const MAX_CLIPS_PER_SHOT = 3;

export interface StoryboardSpec {
  seed: number;
  provider: string;
  output_size: number;
  width: number;
  height: number;
  fps: number;
  clip_frames: number;
  /** One clip's duration as the tasks store it ("2"). */
  clip_seconds: string;
  title_seconds: number;
  title_frames: number;
  transition_frames: number;
  total_frames: number;
  shots: StoryboardShotPlan[];
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const round2 = (n: number) => Math.round(n * 100) / 100;

/** The caption phrase of a camera move: the first (plainest) phrasing of the world's grammar. */
export function cameraPhrase(camera: string): string {
  return camera === 'none' ? '' : CAMERA_WORDS[camera as keyof typeof CAMERA_WORDS]![0]!;
}

/** subject + prompt (+ ", " + camera phrase), spaces collapsed, trailing punctuation of the prompt dropped. */
export function shotCaption(subject: string, prompt: string, camera: string): string {
  const body = `${subject.trim()} ${prompt.trim().replace(/[.!,;]+$/, '')}`.replace(/\s+/g, ' ');
  const phrase = cameraPhrase(camera);
  return phrase ? `${body}, ${phrase}` : body;
}

export function planStoryboard(
  body: StoryboardCreate,
  provider: Provider,
  options: { seed: number; defaultSize: number; maxPromptChars: number; unknownWords: (caption: string) => string[] },
): StoryboardSpec {
  if (!body.title.trim()) throw errors.invalid('title is empty; give the film a title (it opens the film on a title card)', 'title');
  if (!body.subject.trim()) throw errors.invalid('subject is empty; name the one subject of every shot, e.g. "a red fox"', 'subject');
  const shape = provider.shape();
  const fps = shape.fps;
  const clipSeconds = shape.frames / fps;
  const transitionFrames = Math.max(1, Math.round(TRANSITION_SECONDS * fps));
  const minFrames = 2 * transitionFrames;
  const maxFrames = MAX_CLIPS_PER_SHOT * shape.frames;
  const last = body.shots.length - 1;
  const shots = body.shots.map((s, i): StoryboardShotPlan => {
    const at = `shots.${i}`;
    if (!s.prompt.trim()) throw errors.invalid(`${at}.prompt is empty; say what the subject does and where, e.g. "jumps on the grass"`, `${at}.prompt`);
    const seconds = s.duration ?? clipSeconds;
    const frames = Math.round(seconds * fps);
    if (frames < minFrames || frames > maxFrames) {
      throw errors.invalid(
        `${at}.duration is ${seconds} s; a shot lasts ${round2(minFrames / fps)}–${round2(maxFrames / fps)} s with ${provider.model} (one ${round2(clipSeconds)} s clip, filled up to ${MAX_CLIPS_PER_SHOT} clips)`,
        `${at}.duration`,
      );
    }
    const transition: Transition = s.transition ?? (i === last ? 'cut' : 'crossfade');
    if (i === last && transition !== 'cut' && transition !== 'fade_black') {
      throw errors.invalid(`${at}.transition is "${transition}", but the last shot has no next shot; use "cut" or "fade_black" (a fade out)`, `${at}.transition`);
    }
    const caption = shotCaption(body.subject, s.prompt, s.camera);
    if (caption.length > options.maxPromptChars) {
      throw errors.invalid(`${at}: subject + prompt + camera make ${caption.length} characters; at most ${options.maxPromptChars} are allowed`, `${at}.prompt`);
    }
    return {
      index: i, prompt: s.prompt.trim(), caption, duration: round2(frames / fps), frames, camera: s.camera, transition, fill: s.fill,
      unknown_words: options.unknownWords(caption),
    };
  });
  const titleFrames = Math.round(body.title_seconds * fps);
  // The timeline checks that transitions fit; the limits above guarantee it, so this throws only on a bug.
  const plan = planFilm(filmSegments(titleFrames, shots), transitionFrames, { fadeInFirst: true });
  const outputSize = body.size ?? options.defaultSize;
  return {
    seed: options.seed, provider: provider.name, output_size: outputSize,
    width: even(outputSize), height: even((outputSize * shape.height) / shape.width), fps,
    clip_frames: shape.frames, clip_seconds: Number.isInteger(clipSeconds) ? String(clipSeconds) : clipSeconds.toFixed(2),
    title_seconds: round2(titleFrames / fps), title_frames: titleFrames, transition_frames: transitionFrames,
    total_frames: plan.totalFrames, shots,
  };
}

export function filmPlanOf(spec: StoryboardSpec): StoryboardFilmPlan {
  return {
    frames: spec.total_frames, seconds: round2(spec.total_frames / spec.fps), fps: spec.fps, width: spec.width, height: spec.height,
    title_seconds: spec.title_seconds, transition_frames: spec.transition_frames,
  };
}

export function shotLimits(provider: Provider): { clipSeconds: number; min: number; max: number } {
  const { frames, fps } = provider.shape();
  const t = Math.max(1, Math.round(TRANSITION_SECONDS * fps));
  return { clipSeconds: round2(frames / fps), min: round2((2 * t) / fps), max: round2((MAX_CLIPS_PER_SHOT * frames) / fps) };
}
