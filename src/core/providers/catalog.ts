/**
 * The providers of one installation, by the model name clients ask for, with what config says of each instance
 * (workers, worker concurrency, price). Both processes hold one: the server to admit tasks (capabilities, durations,
 * prices, the model picker, the arena), workers to run them. Holding one runs no model code.
 */
import { ConfigError } from '../../config-error.js';
import { errors } from '../errors.js';
import type { ProviderInstance } from './instances.js';
import type { ArenaContestant, Provider } from './provider.js';

export interface ProviderSettings {
  workers: number;
  concurrency: number;
  pricePerClip: number;
}

export class Providers {
  private readonly byModel = new Map<string, Provider>();
  private readonly byName = new Map<string, Provider>();
  private readonly settingsByName = new Map<string, ProviderSettings>();
  /** The model of requests that name none: the first provider's. */
  readonly defaultModel: string;

  /** `instances` give each provider's settings by name; a provider without one (tests) gets one worker. */
  constructor(list: Provider[], instances: ProviderInstance[], private readonly pricePerClip: number) {
    if (!list.length) throw new Error('no providers: config lists none');
    for (const p of list) {
      const other = this.byModel.get(p.model);
      if (other) throw new ConfigError(`providers "${other.name}" and "${p.name}" both offer the model "${p.model}"; give one another name with "as" (docs/providers.md)`);
      this.byModel.set(p.model, p);
      this.byName.set(p.name, p);
      const i = instances.find((x) => x.name === p.name);
      this.settingsByName.set(p.name, { workers: i?.workers ?? 1, concurrency: i?.concurrency ?? 1, pricePerClip: i?.pricePerClip ?? pricePerClip });
    }
    this.defaultModel = list[0]!.model;
  }

  all(): Provider[] {
    return [...this.byName.values()];
  }

  /** The provider of a model name (the default model when none is given); 400 listing the models otherwise. */
  forModel(model: string | undefined, param = 'model'): Provider {
    const p = this.byModel.get(model ?? this.defaultModel);
    if (!p) throw errors.invalid(`unknown model "${model}"; this server has ${[...this.byModel.keys()].join(', ')}`, param);
    return p;
  }

  byProviderName(name: string): Provider | undefined {
    return this.byName.get(name);
  }

  settings(name: string): ProviderSettings {
    return this.settingsByName.get(name) ?? { workers: 1, concurrency: 1, pricePerClip: this.pricePerClip };
  }

  /** Credits one clip of this provider costs. */
  priceOf(provider: Provider): number {
    return this.settings(provider.name).pricePerClip;
  }

  /** The arena's contestants when config names none: what each provider brings (default: its model). */
  contestants(): ArenaContestant[] {
    return this.all().flatMap((p) => p.contestants?.() ?? [{ id: p.model.replace(/[^\w.-]/g, '-').slice(0, 64), name: p.model, model: p.model }]);
  }
}
