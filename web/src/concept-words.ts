/**
 * The world's concepts in the words a person reads in the studio's language: English shows the concept's own name
 * ("zoom in"), Chinese the first phrase the normaliser reads for it (src/world/prompt-lexicon.ts CHINESE: 猫, 向左,
 * 海滩), so what the studio says it understood is also what a person could type.
 */
import { CHINESE } from '../../src/world/prompt-lexicon';
import type { Lang } from './i18n';

type Kind = 'object' | 'object2' | 'motion' | 'speed' | 'background' | 'effect' | 'camera';

/** Chinese camera moves read as a person says them (the lexicon's first phrases are the camera-less "向左摇镜"). */
const CAMERA_ZH: Record<string, string> = {
  pan_left: '镜头左移', pan_right: '镜头右移', tilt_up: '镜头上摇', tilt_down: '镜头下摇', zoom_in: '镜头拉近', zoom_out: '镜头拉远',
};

export function conceptWord(kind: Kind, value: string, lang: Lang): string {
  if (lang === 'en') return value.replace('_', ' ');
  if (kind === 'camera') return CAMERA_ZH[value] ?? value;
  const table = (kind === 'object2' ? CHINESE.object : CHINESE[kind]) as Record<string, string[] | undefined>;
  return table[value]?.[0] ?? value.replace('_', ' ');
}

/** The phrase appended to a Chinese prompt for a camera move or an effect (both read by the normaliser). */
export const cameraPhraseZh = (camera: string): string => CAMERA_ZH[camera] ?? '';
export const effectPhraseZh = (effect: string): string => (CHINESE.effect as Record<string, string[] | undefined>)[effect]?.[0] ?? '';

/** Han characters: a prompt written in Chinese. */
export const isChinese = (text: string): boolean => /\p{Script=Han}/u.test(text);
