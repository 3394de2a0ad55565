/**
 * API keys. An access key (`ak_…`, public: it is the `iss` of every Kling JWT) and a secret key (`sk_…`, the
 * OpenAI-style Bearer key and the HS256 secret of Kling JWTs). The database keeps the secret's sha256 (to find a
 * Bearer key) and the secret itself encrypted with the server key (to verify JWT signatures).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../core/db/database.js';
import { keysRepository, type KeyRow } from '../../core/repositories/keys.repository.js';
import { ledgerRepository } from '../../core/repositories/ledger.repository.js';
import type { ServerKey } from '../../core/repositories/server-key.js';
import type { Q } from '../../core/repositories/executor.js';

export interface CreatedKey {
  access_key: string;
  secret_key: string;
  /** Standard Webhooks secret that signs this key's Kling callbacks. */
  webhook_secret: string;
  name: string;
  credits: number;
}

export interface AuthKey {
  id: string;
  name: string;
  secret: string;
}

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');
const token = (bytes: number) => randomBytes(bytes).toString('base64url');

export class KeysService {
  private readonly byAccess = new Map<string, AuthKey>();
  private readonly bySecretSha = new Map<string, AuthKey>();

  constructor(private readonly db: Db, private readonly serverKey: ServerKey) {}

  /** A new key with `credits`; `userId` makes it belong to a user (the studio's API keys page). */
  async create(name: string, credits: number, userId: string | null = null): Promise<CreatedKey> {
    return this.db.transaction().execute((trx) => this.createIn(trx, name, credits, userId));
  }

  /** create inside the caller's transaction (a user and its studio key are one commit: no key without its user). */
  async createIn(q: Q, name: string, credits: number, userId: string | null = null): Promise<CreatedKey> {
    const access = `ak_${randomBytes(12).toString('hex')}`;
    const secret = `sk_${token(32)}`;
    const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const now = Date.now();
    await keysRepository.insert(q, {
      id: access, name, secret_sha256: sha256Hex(secret), secret_enc: this.serverKey.encrypt(secret),
      webhook_secret_enc: this.serverKey.encrypt(webhookSecret), balance: credits, active: 0, created_at: now, revoked_at: null, user_id: userId,
    });
    if (credits > 0) await ledgerRepository.record(q, { key_id: access, task_id: null, kind: 'grant', amount: credits, created_at: now });
    return { access_key: access, secret_key: secret, webhook_secret: webhookSecret, name, credits };
  }

  async grant(accessKey: string, credits: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const key = await keysRepository.byId(trx, accessKey);
      if (!key) throw new Error(`no key ${accessKey}`);
      await keysRepository.addBalance(trx, accessKey, credits);
      await ledgerRepository.record(trx, { key_id: accessKey, task_id: null, kind: 'grant', amount: credits, created_at: Date.now() });
      return key.balance + credits;
    });
  }

  list(): Promise<KeyRow[]> {
    return keysRepository.list(this.db);
  }

  listForUser(userId: string): Promise<KeyRow[]> {
    return keysRepository.forUser(this.db, userId);
  }

  /** Revokes a user's key: it stops authenticating at once (the caches forget it). */
  async revokeForUser(userId: string, accessKey: string): Promise<boolean> {
    const row = await keysRepository.byId(this.db, accessKey);
    if (!row || row.user_id !== userId || row.revoked_at !== null) return false;
    await keysRepository.revoke(this.db, accessKey, Date.now());
    this.byAccess.delete(accessKey);
    this.bySecretSha.delete(row.secret_sha256);
    return true;
  }

  /** The user a key belongs to (null for CLI keys). */
  async ownerOf(accessKey: string): Promise<string | null> {
    return (await keysRepository.byId(this.db, accessKey))?.user_id ?? null;
  }

  async webhookSecretOf(accessKey: string): Promise<string> {
    const row = await keysRepository.byId(this.db, accessKey);
    if (!row) throw new Error(`no key ${accessKey}`);
    return this.serverKey.decrypt(row.webhook_secret_enc);
  }

  private remember(row: KeyRow): AuthKey | undefined {
    if (row.revoked_at !== null) return undefined;
    const key = { id: row.id, name: row.name, secret: this.serverKey.decrypt(row.secret_enc) };
    this.byAccess.set(row.id, key);
    this.bySecretSha.set(row.secret_sha256, key);
    return key;
  }

  /** The key whose secret this is (cached after the first look-up). */
  async bySecret(secret: string): Promise<AuthKey | undefined> {
    const sha = sha256Hex(secret);
    const hit = this.bySecretSha.get(sha);
    if (hit) return hit;
    const row = await keysRepository.bySecretSha(this.db, sha);
    return row && this.remember(row);
  }

  async byAccessKey(access: string): Promise<AuthKey | undefined> {
    const hit = this.byAccess.get(access);
    if (hit) return hit;
    const row = await keysRepository.byId(this.db, access);
    return row && this.remember(row);
  }
}
