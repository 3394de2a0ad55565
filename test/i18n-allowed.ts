/** Words that stay as they are in the Chinese studio: names, units, formats, and the few technical terms Chinese users write in English. */
export const ZH_ALLOWED = new Set(['kineo', 'cfg', 'api', 'mp4', 'png', 'jpeg', 'webp', 'zip', 'kb', 'mib', 'srt', 'heun', 'euler', 'bradley', 'terry',
  'bootstrap', 'access', 'secret', 'key', 'node', 'python', 'openai', 'ctrl', 'enter', 'npx', 'serve', 'keys', 'credit', 'en']);
