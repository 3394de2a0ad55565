/**
 * The server key: 32 random bytes in <data>/server.key (mode 0600), made on first start, or `serverKey` in the config. It encrypts the key
 * secrets at rest (AES-256-GCM) and signs download links (HMAC-SHA256).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class ServerKey {
  private constructor(private readonly key: Buffer) {}

  /** The configured key (every process of a scale-out installation shares it), else <dataDir>/server.key. */
  static forConfig(config: { dataDir: string; serverKey?: string }): ServerKey {
    return config.serverKey ? new ServerKey(Buffer.from(config.serverKey, 'base64')) : ServerKey.load(config.dataDir);
  }

  static load(dataDir: string): ServerKey {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'server.key');
    if (!existsSync(path)) {
      try {
        writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
      }
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} must hold 32 bytes in base64; remove it only if no key was ever created`);
    return new ServerKey(key);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${data.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  decrypt(sealed: string): string {
    const [v, iv, data, tag] = sealed.split('.');
    if (v !== 'v1' || !iv || data === undefined || !tag) throw new Error('a sealed secret is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  sign(message: string): string {
    return createHmac('sha256', this.key).update(message).digest('base64url');
  }

  verify(message: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(message));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
