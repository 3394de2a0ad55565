import { describe, expect, it } from 'vitest';
import { normalisePrompt, promptTable, writeCaption } from './normalise.js';
import { CHINESE, ENGLISH } from './prompt-lexicon.js';
import { stem } from './prompt-tokens.js';
import { captionFor } from './captions.js';
import { parseCaption } from './parse.js';
import { createRng } from './random.js';
import { sampleAnyLabels } from './splits.js';
import { BACKGROUNDS, CAMERAS, EFFECTS, MOTIONS, OBJECTS, SPEEDS } from './vocabulary.js';
import { buildVocabulary, tokenize } from '../engine/tokenizer.js';

const concepts = (prompt: string) => normalisePrompt(prompt).concepts;

describe('the prompt normaliser', () => {
  it('passes every grammar caption through unchanged, read as the parser reads it', () => {
    const rng = createRng(2024);
    for (let i = 0; i < 3000; i++) {
      const caption = captionFor(sampleAnyLabels(rng), rng);
      const reading = normalisePrompt(caption);
      expect(reading.caption, caption).toBe(caption);
      expect(reading.unused, caption).toEqual([]);
      expect(reading.concepts, caption).toEqual(parseCaption(caption).labels);
    }
  });

  it('builds a phrase table in which no phrasing means two things, with three Chinese phrasings of every concept', () => {
    expect(promptTable().phrases.size).toBeGreaterThan(3000);
    const lists: [string, readonly string[]][] = [
      ['object', OBJECTS], ['motion', MOTIONS], ['speed', SPEEDS], ['background', BACKGROUNDS],
      ['effect', EFFECTS.slice(1)], ['camera', CAMERAS.slice(1)], ['count', ['1', '2', '3']],
    ];
    for (const [kind, values] of lists) {
      for (const value of values) {
        const zh = (CHINESE as unknown as Record<string, Record<string, string[]>>)[kind]![value] ?? [];
        const en = (ENGLISH as unknown as Record<string, Record<string, string[]>>)[kind]![value] ?? [];
        expect(zh.length, `${kind} ${value} in Chinese`).toBeGreaterThanOrEqual(3);
        expect(en.length, `${kind} ${value} in English`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('stems inflections of one verb to one key', () => {
    expect(new Set(['spin', 'spins', 'spinning', 'spun'].map(stem))).toEqual(new Set(['spin']));
    expect(new Set(['rise', 'rises', 'rising', 'rose', 'risen'].map(stem)).size).toBe(1);
    expect(new Set(['zigzag', 'zigzags', 'zigzagging', 'zigzagged'].map(stem)).size).toBe(1);
    expect(new Set(['puppy', 'puppies'].map(stem)).size).toBe(1);
    expect(new Set(['speed', 'speeds', 'speeding', 'sped'].map(stem)).size).toBe(1);
  });

  it('reads English inflections, particle verbs, fillers and negations', () => {
    expect(concepts('Some kitties spun round and round on the lawn')).toMatchObject({ object: 'cat', count: 2, motion: 'spin', background: 'grass' });
    expect(concepts('the robot was rising up into the night sky')).toMatchObject({ object: 'robot', motion: 'up', background: 'night' });
    expect(concepts('a doggy that is not moving at all, in town')).toMatchObject({ object: 'dog', motion: 'stay', background: 'city' });
    expect(concepts("the frog doesn't move")).toMatchObject({ object: 'frog', motion: 'stay' });
    expect(concepts('three pigs hurrying leftwards along a sandy beach')).toMatchObject({ object: 'pig', count: 3, motion: 'left', background: 'beach' });
    expect(concepts('a bunny slowly hops to the right')).toMatchObject({ object: 'rabbit', motion: 'right', speed: 'slow' });
    expect(concepts('a squid diving to the left in deep water')).toMatchObject({ object: 'octopus', motion: 'down_left', background: 'underwater' });
    expect(concepts('a cake getting squashed')).toMatchObject({ object: 'cake', effect: 'squish' });
  });

  it('reads Chinese in its natural orders: time and place first, camera first, subject first', () => {
    expect(normalisePrompt('傍晚，三只小猪慢慢地往右走')).toMatchObject({
      concepts: { background: 'sunset', object: 'pig', count: 3, speed: 'slow', motion: 'right' }, unused: [],
      caption: 'Three pigs move right slowly at sunset',
    });
    expect(concepts('镜头向右平移，一辆汽车在沙漠中弹跳')).toEqual({ camera: 'pan_right', object: 'car', count: 1, background: 'desert', motion: 'bounce' });
    expect(concepts('一只熊猫在雪地上一动不动')).toMatchObject({ object: 'panda', background: 'snow', motion: 'stay' });
    expect(concepts('小狗追着小猫跑过草地')).toMatchObject({ object: 'dog', motion: 'chases', object2: 'cat', count: 2, background: 'grass' });
    expect(concepts('蛋糕被压扁了')).toMatchObject({ object: 'cake', effect: 'squish' });
    expect(concepts('一个甜甜圈变得毛茸茸的，镜头拉远')).toMatchObject({ object: 'donut', effect: 'fluffy', camera: 'zoom_out' });
    // the longest phrase wins: "海龟" is a turtle, not the sea; "章鱼" an octopus, not a fish
    expect(concepts('海龟在海底')).toMatchObject({ object: 'turtle', background: 'underwater' });
    expect(concepts('章鱼')).toMatchObject({ object: 'octopus' });
  });

  it('reads a prompt that mixes Chinese and English', () => {
    expect(normalisePrompt('一只 robot 在 forest 里 zigzags')).toMatchObject({
      concepts: { object: 'robot', count: 1, background: 'forest', motion: 'zigzag' }, unused: [], caption: 'A robot zigzags in the forest',
    });
    expect(concepts('two 企鹅 explode')).toMatchObject({ object: 'penguin', effect: 'explode', count: 1 });
  });

  it('reports what it cannot use: unknown Chinese, accents, emoji, punctuation-only prompts', () => {
    expect(normalisePrompt('一只小狗在海边弹吉他')).toMatchObject({ concepts: { object: 'dog', background: 'beach' }, unused: ['弹吉他'] });
    expect(normalisePrompt('café crème brûlée')).toMatchObject({ unused: ['café crème brûlée'], usable: false, caption: '' });
    expect(normalisePrompt('🦄✨ a ghost').unused).toEqual(['🦄✨']);
    expect(normalisePrompt('!!! ???')).toMatchObject({ unused: ['!!! ???'], usable: false, concepts: {} });
    expect(normalisePrompt('   ')).toMatchObject({ unused: [], usable: false });
  });

  it('flags phrases the model would read differently, not only unknown words', () => {
    // "left" alone is a place here, not a motion: the model knows "moves left", so the phrase is reported
    expect(normalisePrompt('a cat sitting on the left')).toMatchObject({ concepts: { object: 'cat', motion: 'stay' }, unused: ['left'] });
    // one motion a clip: the second is reported rather than mixed in
    expect(normalisePrompt('a fox jumps and then spins')).toMatchObject({ concepts: { motion: 'jump' }, unused: ['spins'] });
    // a second object without a relation cannot be drawn
    expect(normalisePrompt('a cat and a dog on the grass')).toMatchObject({ concepts: { object: 'cat', background: 'grass' }, unused: ['dog'] });
    // an effect holds the object still
    expect(normalisePrompt('an apple moves left and melts')).toMatchObject({ concepts: { effect: 'melt' }, unused: ['moves left'] });
    // a relation whose partner the world does not know is reported with it, not drawn with a made-up partner
    const lonely = normalisePrompt('a frog meets a duck');
    expect(lonely.concepts).toEqual({ object: 'frog', count: 1 });
    expect(lonely.caption).toBe('A frog');
    expect(lonely.unused.join(' ')).toMatch(/meets.*duck/);
  });

  it('writes a relation with one subject: its count of 2 is the two objects together', () => {
    const r = normalisePrompt('一只狐狸追兔子');
    expect(r.concepts).toMatchObject({ object: 'fox', object2: 'rabbit', motion: 'chases', count: 2 });
    expect(r.caption).toBe('A fox chases a rabbit');
    expect(writeCaption({ object: 'dog', object2: 'ball', motion: 'chases', count: 2, background: 'beach' })).toBe('A dog chases a ball on the beach');
  });

  it('writes only words of the model\'s vocabulary', () => {
    const vocab = buildVocabulary();
    for (const prompt of ['两只企鹅在星空下快速地向左上方飞，镜头推进', 'a tortoise chasing a droid in the jungle', '一个气球爆炸了']) {
      const { caption } = normalisePrompt(prompt);
      expect(tokenize(caption, vocab).unknownWords, caption).toEqual([]);
    }
    expect(writeCaption({ object: 'octopus', count: 2, motion: 'circle', speed: 'fast', background: 'beach', camera: 'tilt_up' }))
      .toBe('Two octopuses move in a circle quickly on the beach, the camera tilts up');
  });
});
