/**
 * BullMQ queue names: one queue per kind of work. Generation has a queue per provider, so that a worker serves
 * exactly the providers it has (a machine without the model never takes a builtin job).
 */
export const generateQueue = (provider: string) => `generate-${provider}`;
export const WEBHOOK_QUEUE = 'webhook';
/** Ad-batch assembly (clips → captioned variants → zip). */
export const BATCH_QUEUE = 'batch';
/** Storyboard films (clips → transitions and a title card → one MP4). */
export const ENCODE_QUEUE = 'encode';

/** Redis pub/sub channels between servers and workers (live progress, cancel requests). */
export const progressChannel = (prefix: string) => `${prefix}:events:progress`;
export const cancelChannel = (prefix: string) => `${prefix}:events:cancel`;
export const callbackChannel = (prefix: string) => `${prefix}:events:callback`;
