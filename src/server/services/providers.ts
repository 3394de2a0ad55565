/** The providers this server runs, by the model name clients ask for. */
import type { Provider } from '../../worker/providers/provider.js';
import { errors } from '../errors.js';

export class Providers {
  private readonly byModel = new Map<string, Provider>();
  private readonly byName = new Map<string, Provider>();

  constructor(list: Provider[], readonly defaultModel: string) {
    for (const p of list) {
      this.byModel.set(p.model, p);
      this.byName.set(p.name, p);
    }
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
}
