/**
 * The provider instances a config describes: `providers` when given, else the one instance each kind's legacy
 * section describes (config files and KINEO_* variables written before `providers` existed keep working). Each
 * instance is checked against its kind's options here, so a bad entry stops the start with a sentence saying where.
 */
import { z } from 'zod';
import type { Config } from '../../config.js';
import { ConfigError } from '../../config-error.js';
import { instanceBase, type ProviderInstanceInput, type ProviderKind } from './kind.js';
import type { Provider } from './provider.js';
import { providerKind, providerKinds } from './registry.js';

export interface ProviderInstance {
  name: string;
  kind: string;
  /** In-process workers (embedded). */
  workers: number;
  /** Jobs per `kineo worker` process (scale-out). */
  concurrency: number;
  /** Credits per clip; undefined: credits.pricePerClip. */
  pricePerClip?: number;
  /** The kind's own options, parsed (defaults filled). */
  options: Record<string, unknown>;
}

const section = (config: Config, key: string) => (config as unknown as Record<string, Record<string, unknown>>)[key];

/** The instances of the legacy sections, with their workers and worker concurrency from the legacy maps. */
function legacyInstances(config: Config): ProviderInstanceInput[] {
  const out: ProviderInstanceInput[] = [];
  for (const [kind, def] of Object.entries(providerKinds as Record<string, ProviderKind>)) {
    if (!def.legacy) continue;
    const instance = def.legacy.instance(def.legacy.schema.parse(section(config, kind) ?? {}));
    if (!instance) continue;
    const counts = (m: object) => (m as Record<string, number | undefined>)[kind];
    out.push({ ...instance, workers: counts(config.workers), concurrency: counts(config.workerConcurrency) } as ProviderInstanceInput);
  }
  return out;
}

export function providerInstances(config: Config): ProviderInstance[] {
  const list = config.providers ?? legacyInstances(config);
  if (!list.length) throw new ConfigError('providers is empty: list at least one provider instance (docs/providers.md)');
  const seen = new Set<string>();
  return list.map((raw, index) => {
    const at = config.providers ? `providers[${index}]` : `the ${raw.kind} section`;
    const def = providerKind(raw.kind);
    if (!def) {
      throw new ConfigError(`invalid configuration at ${at}: unknown provider kind "${raw.kind}"; this build has ${Object.keys(providerKinds).join(', ')} (docs/providers.md)`);
    }
    const parsed = z.strictObject({ ...instanceBase, ...def.options.shape }).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`invalid configuration at ${[at, ...issue.path].join('.')}: ${issue.message}`);
    }
    const { name, kind, workers, concurrency, pricePerClip, ...options } = parsed.data as z.output<z.ZodObject<typeof instanceBase>> & Record<string, unknown>;
    if (seen.has(name)) throw new ConfigError(`invalid configuration at ${at}.name: two providers are named "${name}"; names must be unique (each is a queue)`);
    seen.add(name);
    return { name, kind, workers: workers ?? def.defaults.workers, concurrency: concurrency ?? def.defaults.concurrency, pricePerClip, options };
  });
}

/** The providers of the instances. Cheap: constructing one loads no model code (start() does). */
export function createProviders(instances: ProviderInstance[]): Provider[] {
  return instances.map((i) => providerKind(i.kind)!.create({ ...i.options, name: i.name }));
}
