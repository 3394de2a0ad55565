/**
 * The model names clients send, mapped onto the models this server runs. Clients written from Kling's or OpenAI's
 * docs send those services' names (`kling-v1` is Kling's default, `sora-2` OpenAI's): config.modelAliases maps any
 * name onto a configured model, and an anchor name it does not list goes to the default model, so such a client works
 * with a base-URL swap. A name that is neither a model here, an alias nor an anchor name is a 400 listing the models.
 */
import { ConfigError } from '../../config-error.js';
import type { Providers } from '../../core/providers/catalog.js';
import type { Provider } from '../../core/providers/provider.js';

/** Kling's documented model names (and the versions it keeps adding: kling-v…) and OpenAI's Sora names. */
export const KLING_MODEL_NAMES = ['kling-v1', 'kling-v1-5', 'kling-v1-6', 'kling-v2-master', 'kling-v2-1', 'kling-v2-1-master', 'kling-v2-5-turbo', 'kling-v2-6', 'kling-v3'];
export const OPENAI_MODEL_NAMES = ['sora-2', 'sora-2-pro', 'sora-2-2025-10-06', 'sora-2-pro-2025-10-06', 'sora-2-2025-12-08'];
const ANCHOR_NAME = /^(kling-v\d[\w.-]*|sora-\d[\w.-]*)$/;

export class ModelNames {
  constructor(private readonly providers: Providers, private readonly aliases: Record<string, string>) {
    for (const [name, target] of Object.entries(aliases)) {
      if (!providers.all().some((p) => p.model === target)) {
        throw new ConfigError(`invalid configuration at modelAliases.${name}: "${target}" is not a model this server runs (${providers.all().map((p) => p.model).join(', ')})`);
      }
    }
  }

  /** The provider of a requested model name (the default model when none is given). */
  resolve(name: string | undefined, param: string): Provider {
    if (name === undefined) return this.providers.forModel(undefined, param);
    const own = this.providers.all().find((p) => p.model === name);
    if (own) return own;
    const alias = this.aliases[name];
    if (alias) return this.providers.forModel(alias, param);
    if (ANCHOR_NAME.test(name)) return this.providers.forModel(undefined, param);
    return this.providers.forModel(name, param);
  }
}
