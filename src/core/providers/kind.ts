/**
 * A kind of provider as a plugin: the options one instance takes (zod, checked when the config loads), its defaults,
 * and how to make its Provider. Config lists instances (`providers: [{ name, kind, … }]`); registry.ts maps each
 * kind to its definition, one line each.
 */
import { z } from 'zod';
import type { Provider } from './provider.js';

/** Fields every instance has, whatever its kind. */
export const instanceBase = {
  /** The instance's name: its queue is generate-<name>, its tasks' `provider` is <name>. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1–32 characters: lower-case letters, digits, _ and -'),
  kind: z.string().min(1),
  /** Loops running its jobs inside `kineo serve` (embedded); 0 leaves its tasks waiting in the queue. */
  workers: z.number().int().min(0).max(64).optional(),
  /** Jobs of it that one `kineo worker` process runs at once (scale-out); 0 leaves them to other workers. */
  concurrency: z.number().int().min(0).max(256).optional(),
  /** Credits one clip of it costs (default credits.pricePerClip). */
  pricePerClip: z.number().int().min(0).optional(),
};

/** An instance as config lists it (kind-specific options unchecked until the kind's schema reads them). */
export const ProviderInstanceSchema = z.looseObject(instanceBase);
export type ProviderInstanceInput = z.input<typeof ProviderInstanceSchema>;

/** Before `providers` existed a kind had one instance, configured by a top-level section and KINEO_* variables. */
export interface LegacySection<S extends z.ZodObject = z.ZodObject> {
  /** The section's schema (config.<kind name>), defaults included. */
  schema: S;
  /** KINEO_* variables of the section's fields. */
  env: [variable: string, field: string, type: 'str' | 'int' | 'bool'][];
  /** The variable of its in-process workers (workers.<kind name>). */
  workersEnv?: string;
  /** The instance the section describes; null when the section turns it off. */
  instance(section: z.output<S>): Record<string, unknown> | null;
}

export interface ProviderKind<O extends z.ZodObject = z.ZodObject, L extends LegacySection | undefined = LegacySection | undefined> {
  /** The kind's own options (beyond instanceBase); unknown fields are refused. */
  options: O;
  /** Workers and worker concurrency when the instance does not say. */
  defaults: { workers: number; concurrency: number };
  /** The provider of one instance. Cheap: reads no weights and loads no model code (its start() does). */
  create(instance: z.output<O> & { name: string }): Provider;
  legacy?: L;
}

/** Types a legacy section's instance() by its schema. */
export function legacySection<S extends z.ZodObject>(section: LegacySection<S>): LegacySection<S> {
  return section;
}

/** Declares a kind with its options' types flowing into create() (and its legacy section's into config's types). */
export function defineKind<O extends z.ZodObject, L extends LegacySection | undefined = undefined>(kind: ProviderKind<O, L>): ProviderKind<z.ZodObject, L> {
  return kind as unknown as ProviderKind<z.ZodObject, L>;
}
