import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { clipSeed, renderCaption, sampleClip } from './index.js';
import { createRng } from './random.js';
import { sampleAnyLabels } from './splits.js';
import { captionFor } from './captions.js';
import { completeLabels, parseCaption } from './parse.js';
import { BACKGROUNDS, CAMERAS, EFFECTS, LABEL_VOCAB, MOTIONS, OBJECTS, RELATIONS } from './vocabulary.js';
import { BACKGROUND_WORDS, CAMERA_WORDS, COUNT_WORDS, EFFECT_WORDS, MOTION_WORDS, OBJECT_WORDS, SPEED_WORDS } from './lexicon.js';

const size = { frames: 16, height: 64, width: 64 };
const digest = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('the world', () => {
  it('has at least 24 objects, 8 backgrounds, 12 motions, 3 relations, 7 effects and 6 camera moves', () => {
    expect(OBJECTS.length).toBeGreaterThanOrEqual(24);
    expect(BACKGROUNDS.length).toBeGreaterThanOrEqual(8);
    expect(MOTIONS.length - RELATIONS.length).toBeGreaterThanOrEqual(12);
    expect(RELATIONS).toEqual(['chases', 'follows', 'meets']);
    expect(EFFECTS.filter((e) => e !== 'none')).toHaveLength(7);
    expect(CAMERAS.filter((c) => c !== 'none').length).toBeGreaterThanOrEqual(6);
  });

  it('says every concept in at least three ways', () => {
    const groups: Record<string, unknown[]> = {
      ...Object.fromEntries(Object.entries(OBJECT_WORDS).map(([k, v]) => [`object ${k}`, v])),
      ...Object.fromEntries(Object.entries(MOTION_WORDS).map(([k, v]) => [`motion ${k}`, v])),
      ...Object.fromEntries(Object.entries(BACKGROUND_WORDS).map(([k, v]) => [`background ${k}`, v])),
      ...Object.fromEntries(Object.entries(EFFECT_WORDS).map(([k, v]) => [`effect ${k}`, v])),
      ...Object.fromEntries(Object.entries(CAMERA_WORDS).map(([k, v]) => [`camera ${k}`, v])),
      ...Object.fromEntries(Object.entries(SPEED_WORDS).map(([k, v]) => [`speed ${k}`, v])),
      ...Object.fromEntries(Object.entries(COUNT_WORDS).map(([k, v]) => [`count ${k}`, v])),
    };
    for (const [concept, phrasings] of Object.entries(groups)) {
      expect(phrasings.length, concept).toBeGreaterThanOrEqual(3);
    }
    expect(Object.keys(OBJECT_WORDS).sort()).toEqual([...OBJECTS].sort());
  });

  it('renders identical bytes from the same seed and different bytes from another', () => {
    const a = sampleClip('train', clipSeed(7, 3), size);
    const b = sampleClip('train', clipSeed(7, 3), size);
    const c = sampleClip('train', clipSeed(7, 4), size);
    expect(a.clip.data.length).toBe(16 * 64 * 64 * 3);
    expect(digest(a.clip.data)).toBe(digest(b.clip.data));
    expect(a.caption).toBe(b.caption);
    expect(digest(a.clip.data)).not.toBe(digest(c.clip.data));
  });

  it('renders the same caption identically for the same seed, at any size', () => {
    const one = renderCaption('a cat bounces on the beach', 5, size);
    const two = renderCaption('a cat bounces on the beach', 5, size);
    expect(digest(one.clip.data)).toBe(digest(two.clip.data));
    const big = renderCaption('a cat bounces on the beach', 5, { frames: 8, height: 128, width: 128 });
    expect(big.clip.data.length).toBe(8 * 128 * 128 * 3);
  });

  it('draws other aspects natively: the centre square of a 16:9 or 9:16 frame is the 1:1 frame (not a stretched one)', () => {
    for (const caption of ['a red fox runs left in the snow', 'a rocket moves up at night with the camera panning right']) {
      const square = renderCaption(caption, 9, { frames: 4, height: 64, width: 64 }).clip;
      for (const [width, height] of [[112, 64], [64, 112]] as const) {
        const other = renderCaption(caption, 9, { frames: 4, height, width }).clip;
        const x0 = (width - 64) / 2;
        const y0 = (height - 64) / 2;
        let same = 0;
        for (let f = 0; f < 4; f++) {
          for (let y = 0; y < 64; y++) {
            const a = square.data.subarray(((f * 64 + y) * 64) * 3, ((f * 64 + y) * 64 + 64) * 3);
            const row = ((f * height + y + y0) * width + x0) * 3;
            if (Buffer.compare(Buffer.from(a), Buffer.from(other.data.subarray(row, row + 64 * 3))) === 0) same++;
          }
        }
        expect(same).toBe(4 * 64);
      }
    }
  });

  it('moves things: frames of a moving clip differ, a still clip without camera move stays still', () => {
    const moving = renderCaption('a dog moves right quickly on the grass', 1, size).clip;
    const still = renderCaption('a dog stays still on the grass', 1, size).clip;
    const frameBytes = 64 * 64 * 3;
    const diff = (clip: Uint8Array) => {
      let sum = 0;
      for (let i = 0; i < frameBytes; i++) sum += Math.abs(clip[i]! - clip[15 * frameBytes + i]!);
      return sum / frameBytes;
    };
    expect(diff(moving.data)).toBeGreaterThan(5);
    expect(diff(still.data)).toBe(0);
  });

  it('parses every generated caption back to the labels it was made from', () => {
    const rng = createRng(99);
    for (let i = 0; i < 5000; i++) {
      const labels = sampleAnyLabels(rng);
      const caption = captionFor(labels, rng);
      const parsed = parseCaption(caption);
      expect(parsed.unknownWords, caption).toEqual([]);
      expect(completeLabels(parsed.labels, 'sky'), caption).toEqual(labels);
    }
  });

  it('reports words it does not know instead of dropping them silently', () => {
    const parsed = parseCaption('a purple cat bounces on the beach');
    expect(parsed.unknownWords).toEqual(['purple']);
    expect(parsed.labels).toMatchObject({ object: 'cat', motion: 'bounce', background: 'beach' });
  });

  it('refuses a caption that names nothing it can draw', () => {
    expect(() => renderCaption('a purple thing on the beach', 1, size)).toThrow(/names no object/);
  });

  it('publishes one vocabulary per label head, in a fixed order', () => {
    expect(Object.keys(LABEL_VOCAB)).toEqual(['object', 'object2', 'motion', 'speed', 'background', 'count', 'effect', 'camera']);
    expect(LABEL_VOCAB.object2[0]).toBe('none');
  });
});
