/**
 * The effect templates' names and descriptions in languages other than English. The catalog
 * (src/server/effects/catalog.json) is server data in English, and a new template is a JSON edit: a template with no
 * entry here shows the catalog's own name and description (test/i18n.test.ts checks every shipped one has one).
 */
import type { Lang, Translator } from './core.js';

/** What of an effect template (api.ts EffectTemplate) is named here. */
interface Template { id: string; name: string; description: string }

export const EFFECT_TEXT: Record<Exclude<Lang, 'en'>, Record<string, { name: string; description: string }>> = {
  zh: {
    squish: { name: '捏捏', description: '主体像解压玩具一样被压扁。' },
    expansion: { name: '膨胀', description: '主体像气球一样鼓起来。' },
    melt: { name: '融化', description: '主体融化成一滩。' },
    explode: { name: '爆炸', description: '主体炸成碎片。' },
    dizzydizzy: { name: '转晕', description: '主体不停打转，直到晕头转向。' },
    bloombloom: { name: '花花世界', description: '主体周围鲜花盛开。' },
    fuzzyfuzzy: { name: '毛茸茸', description: '主体变得柔软又毛茸茸。' },
  },
};

const own = (e: Pick<Template, 'id'>, t: Translator) => t.lang === 'en' ? undefined : EFFECT_TEXT[t.lang][e.id];
export const effectName = (e: Pick<Template, 'id' | 'name'>, t: Translator): string => own(e, t)?.name ?? e.name;
export const effectDescription = (e: Pick<Template, 'id' | 'description'>, t: Translator): string => own(e, t)?.description ?? e.description;
