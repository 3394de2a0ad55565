/**
 * Effect templates as data (catalog.json next to this file): each maps a named template onto a world effect and a
 * caption phrase the model knows. A new template is a JSON edit only. Loaded and validated once at start: a bad
 * file stops the start with a sentence naming the field.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EFFECTS } from '../../world/vocabulary.js';
import { EFFECT_WORDS } from '../../world/lexicon.js';

export const DEFAULT_CATALOG_PATH = fileURLToPath(new URL('./catalog.json', import.meta.url));

const Template = z.strictObject({
  id: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be 1–64 characters of a-z, 0-9, _ or -'),
  name: z.string().min(1).max(100),
  description: z.string().min(1).max(500),
  effect: z.enum(EFFECTS.filter((e) => e !== 'none') as [Exclude<(typeof EFFECTS)[number], 'none'>, ...Exclude<(typeof EFFECTS)[number], 'none'>[]]),
  prompt_fragment: z.string().min(1).max(200),
  /** Other names (Kling effect_scene spellings) that select this template. */
  aliases: z.array(z.string().regex(/^[a-z0-9_-]{1,64}$/)).optional(),
  params: z.strictObject({
    /** The subject of the gallery preview ("a cat on the grass"). */
    subject: z.string().min(1).max(200).optional(),
    /** The seed of the gallery preview. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  }).optional(),
});

export const EffectCatalogSchema = z.strictObject({
  version: z.literal(1),
  templates: z.array(Template).min(1),
}).superRefine((c, ctx) => {
  const seen = new Set<string>();
  c.templates.forEach((t, i) => {
    for (const name of [t.id, ...(t.aliases ?? [])]) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['templates', i, name === t.id ? 'id' : 'aliases'], message: `"${name}" is used by another template` });
      seen.add(name);
    }
    const known = EFFECT_WORDS[t.effect].map((v) => v.one);
    if (!known.includes(t.prompt_fragment)) {
      ctx.addIssue({ code: 'custom', path: ['templates', i, 'prompt_fragment'], message: `"${t.prompt_fragment}" is not a phrase the model knows for ${t.effect}; use one of ${known.map((k) => `"${k}"`).join(', ')}` });
    }
  });
});

export type EffectCatalog = z.infer<typeof EffectCatalogSchema>;
export type EffectTemplate = EffectCatalog['templates'][number];

/** Reads and validates a catalog; throws an Error whose message names the file and the field. */
export function loadEffectCatalog(path = DEFAULT_CATALOG_PATH): EffectCatalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`the effect catalog ${path} could not be read: ${(err as Error).message}`);
  }
  const parsed = EffectCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || 'the top level';
    const id = issue.path[0] === 'templates' && typeof issue.path[1] === 'number'
      ? (raw as { templates?: { id?: unknown }[] }).templates?.[issue.path[1]]?.id : undefined;
    throw new Error(`the effect catalog ${path} is not valid: field ${field}${typeof id === 'string' ? ` (template "${id}")` : ''}: ${issue.message}`);
  }
  return parsed.data;
}

/** The template a name selects (its id or one of its aliases). */
export function findTemplate(catalog: EffectCatalog, name: string): EffectTemplate | undefined {
  return catalog.templates.find((t) => t.id === name || t.aliases?.includes(name));
}

/** Every name that selects a template. */
export const templateNames = (catalog: EffectCatalog): string[] => catalog.templates.flatMap((t) => [t.id, ...(t.aliases ?? [])]);
