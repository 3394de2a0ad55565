/**
 * Local accounts and browser sessions. A user signs up with a username and a password (bcrypt), gets a studio key
 * (the key the browser's tasks run under) and a session: a random token in an http-only SameSite=Strict cookie
 * (its sha256 in the database) plus a CSRF token the page echoes in `x-csrf-token` on every change. The first
 * account is the admin. A loopback-only server (the default) signs its local user in automatically.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../core/db/database.js';
import { ApiError, errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { uniqueViolationTable } from '../../core/db/unique-violation.js';
import { usersRepository, type UserRow } from '../repositories/users.repository.js';
import { sha256Hex, type AuthKey, type KeysService } from './keys.service.js';
import { PasswordHasher } from './password-hasher.js';
import { AttemptLimiter } from './attempt-limiter.js';

export const SESSION_COOKIE = 'kineo_session';
export const LOCAL_USERNAME = 'local';
const BCRYPT_COST = 11;
const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

export interface SessionUser {
  id: string;
  username: string;
  isAdmin: boolean;
  key: AuthKey;
  csrf: string;
}

export interface NewSession {
  user: SessionUser;
  token: string;
  maxAgeS: number;
}

/** How the server signs people in: 'local' = one automatic user (loopback only), 'accounts' = sign-up/sign-in. */
export function authModeOf(config: Config): 'local' | 'accounts' {
  if (config.auth.mode !== 'auto') return config.auth.mode;
  return isLoopback(config.host) ? 'local' : 'accounts';
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const taken = (username: string) => errors.conflict('username_taken', `the username "${username}" is taken; pick another`);
const unauthorized = (message: string) => new ApiError(401, 'sign_in_failed', message, 1000);
const forbidden = (message: string) => new ApiError(403, 'forbidden', message, 1000);
const tooManyAttempts = (retryAfterS: number) =>
  new ApiError(429, 'too_many_attempts', `too many sign-in attempts; wait ${retryAfterS} s and try again`, 1302, retryAfterS);
export { forbidden };

export class AccountsService {
  readonly mode: 'local' | 'accounts';
  private dummyHash?: Promise<string>;
  private readonly hasher = new PasswordHasher();
  private readonly perAddress: AttemptLimiter;
  private readonly perAccount: AttemptLimiter;

  constructor(private readonly db: Db, private readonly keys: KeysService, private readonly config: Config) {
    this.mode = authModeOf(config);
    this.perAddress = new AttemptLimiter(config.auth.attemptsPerMinute, 60_000);
    this.perAccount = new AttemptLimiter(config.auth.failuresPerAccount, 15 * 60_000);
  }

  /** Stops the password hasher's thread. */
  close(): Promise<void> {
    return this.hasher.close();
  }

  /**
   * Counts an attempt from the client `address` (each costs a bcrypt run); 429 when the address has used its
   * minute. Callers in this process (tests, the CLI) pass none.
   */
  private admit(address: string | undefined): void {
    if (address === undefined) return;
    const wait = this.perAddress.waitS(address);
    if (wait !== undefined) throw tooManyAttempts(wait);
    this.perAddress.hit(address);
  }

  get sessionMaxAgeS(): number {
    return this.config.auth.sessionDays * 86_400;
  }

  async signUp(username: string, password: string, address?: string): Promise<NewSession> {
    if (this.mode === 'local') throw forbidden('this server signs its local user in automatically; accounts are for servers on a network address');
    if (!USERNAME.test(username) || username.toLowerCase() === LOCAL_USERNAME) {
      throw errors.invalid('a username is 3–32 letters, digits, "_", "." or "-" (and not "local")', 'username');
    }
    if (password.length < 8 || Buffer.byteLength(password) > 72) throw errors.invalid('a password is 8 to 72 bytes long', 'password');
    if (!this.config.auth.signup && (await usersRepository.count(this.db)) > 0) throw forbidden('sign-up is closed on this server; ask its admin for an account');
    if (await usersRepository.byUsername(this.db, username)) throw taken(username);
    this.admit(address);
    const hash = await this.hasher.hash(password, BCRYPT_COST);
    return this.startSession(await this.createUser(username, hash));
  }

  async signIn(username: string, password: string, address?: string): Promise<NewSession> {
    if (this.mode === 'local') throw forbidden('this server signs its local user in automatically');
    const account = username.toLowerCase();
    const wait = this.perAccount.waitS(account);
    if (wait !== undefined) throw tooManyAttempts(wait);
    this.admit(address);
    const user = await usersRepository.byUsername(this.db, username);
    // Compare against a dummy hash when the user is unknown so that timing does not reveal which usernames exist.
    this.dummyHash ??= this.hasher.hash(randomBytes(16).toString('hex'), BCRYPT_COST);
    const ok = await this.hasher.compare(password, user?.password_hash ?? await this.dummyHash);
    if (!user || !user.password_hash || !ok) {
      this.perAccount.hit(account);
      throw unauthorized('the username or the password is wrong');
    }
    this.perAccount.reset(account);
    return this.startSession(user);
  }

  /** The automatic session of a loopback-only server: the local user (created on first use, the admin). */
  async localSession(): Promise<NewSession> {
    if (this.mode !== 'local') throw forbidden('sign in: this server listens on a network address');
    let user = await usersRepository.byUsername(this.db, LOCAL_USERNAME);
    if (!user) {
      try {
        user = await this.createUser(LOCAL_USERNAME, null);
      } catch (err) {
        // created by a concurrent request
        user = await usersRepository.byUsername(this.db, LOCAL_USERNAME);
        if (!user) throw err;
      }
    }
    return this.startSession(user);
  }

  /** The user of a session cookie, or undefined (unknown or expired). */
  async session(token: string | undefined): Promise<SessionUser | undefined> {
    if (!token || token.length > 200) return undefined;
    const row = await usersRepository.session(this.db, sha256Hex(token), Date.now());
    if (!row) return undefined;
    const user = await usersRepository.byId(this.db, row.user_id);
    if (!user) return undefined;
    const key = await this.keys.byAccessKey(user.studio_key_id);
    if (!key) return undefined;
    return { id: user.id, username: user.username, isAdmin: user.is_admin === 1, key, csrf: row.csrf_token };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await usersRepository.removeSession(this.db, sha256Hex(token));
  }

  async userById(id: string): Promise<UserRow | undefined> {
    return usersRepository.byId(this.db, id);
  }

  async usernames(ids: string[]): Promise<Map<string, string>> {
    const rows = await usersRepository.namesOf(this.db, [...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, r.username]));
  }

  /**
   * The user and its studio key in one transaction, so a refused insert leaves no key behind. The database decides
   * the races: the username is unique, and at most one row is the admin (migration 0007) — the first account, or,
   * of concurrent first sign-ups, the one that commits first; a loser of that race is inserted again as a user.
   */
  private async createUser(username: string, passwordHash: string | null): Promise<UserRow> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const first = (await usersRepository.count(trx)) === 0;
          if (!first && !this.config.auth.signup && username !== LOCAL_USERNAME) throw forbidden('sign-up is closed on this server; ask its admin for an account');
          const id = newId('usr');
          const key = await this.keys.createIn(trx, 'studio', this.config.credits.initial, id);
          const row: UserRow = { id, username, password_hash: passwordHash, is_admin: first ? 1 : 0, studio_key_id: key.access_key, created_at: Date.now() };
          await usersRepository.insert(trx, row);
          return row;
        });
      } catch (err) {
        if (uniqueViolationTable(err) !== 'users') throw err;
        if (await usersRepository.byUsername(this.db, username)) throw taken(username);
        if (attempt >= 2) throw err;
      }
    }
  }

  private async startSession(user: UserRow): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = Date.now();
    await usersRepository.removeExpiredSessions(this.db, now);
    await usersRepository.insertSession(this.db, { token_sha256: sha256Hex(token), user_id: user.id, csrf_token: csrf, created_at: now, expires_at: now + this.sessionMaxAgeS * 1000 });
    const key = await this.keys.byAccessKey(user.studio_key_id);
    if (!key) throw errors.internal();
    return { token, maxAgeS: this.sessionMaxAgeS, user: { id: user.id, username: user.username, isAdmin: user.is_admin === 1, key, csrf } };
  }
}
