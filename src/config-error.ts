/** A configuration that cannot run, with a sentence saying where and what to change (config.ts, the provider registry). */
export class ConfigError extends Error {}
