/**
 * Authentication: `Authorization: Bearer <token>` where the token is either the secret key itself (OpenAI style,
 * native API) or a JWT signed HS256 with it whose `iss` is the access key (Kling style; `exp` required, `exp` and
 * `nbf` checked with a small clock tolerance, through jose). The access key alone never authenticates.
 */
import { decodeJwt, errors as jose, jwtVerify } from 'jose';
import { errors } from '../../core/errors.js';
import type { AuthKey, KeysService } from './keys.service.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export class AuthService {
  private readonly encoder = new TextEncoder();
  /** Tokens already verified, until their exp: a Kling client reuses one token for many calls (bounded). */
  private readonly verified = new Map<string, { key: AuthKey; exp: number }>();

  constructor(private readonly keys: KeysService, private readonly clockToleranceS: number) {}

  async authenticate(header: string | undefined): Promise<AuthKey> {
    if (!header || !header.trim()) throw errors.authMissing();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw errors.authInvalid('the Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    if (JWT_SHAPE.test(token) && token.startsWith('eyJ')) return this.verifyJwt(token);
    const key = await this.keys.bySecret(token);
    if (!key) throw errors.authInvalid('this key is not known to the server');
    return key;
  }

  private async verifyJwt(token: string): Promise<AuthKey> {
    const hit = this.verified.get(token);
    if (hit) {
      // the key may have been revoked since: the keys service forgets revoked keys, so ask it (a Map hit)
      if (Date.now() / 1000 < hit.exp + this.clockToleranceS && (await this.keys.byAccessKey(hit.key.id))) return hit.key;
      this.verified.delete(token);
    }
    const key = await this.verifyJwtFully(token);
    if (this.verified.size >= 10_000) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { key, exp: decodeJwt(token).exp! });
    return key;
  }

  private async verifyJwtFully(token: string): Promise<AuthKey> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw errors.authInvalid('the JWT cannot be decoded');
    }
    // The payload is the caller's JSON: iss may be a number, an object or an array, and is used as a string below.
    if (typeof iss !== 'string' || !iss) throw errors.authInvalid('the JWT has no iss claim, or one that is not a string; set iss to your access key');
    // no access key holds a NUL, and PostgreSQL cannot even be asked about one
    if (iss.includes('\u0000')) throw errors.authInvalid('the JWT\'s iss holds a NUL character; set iss to your access key');
    const key = await this.keys.byAccessKey(iss);
    if (!key) throw errors.authFailed(`no key has the access key "${iss.slice(0, 64)}" (the JWT's iss)`);
    try {
      await jwtVerify(token, this.encoder.encode(key.secret), {
        algorithms: ['HS256'], issuer: iss, requiredClaims: ['exp'], clockTolerance: this.clockToleranceS,
      });
    } catch (err) {
      if (err instanceof jose.JWTExpired) throw errors.tokenExpired();
      if (err instanceof jose.JWTClaimValidationFailed && err.claim === 'nbf') throw errors.tokenNotYetValid();
      if (err instanceof jose.JWTClaimValidationFailed && err.claim === 'exp') throw errors.authInvalid('the JWT has no exp claim; set exp (e.g. now + 1800 s)');
      if (err instanceof jose.JWSSignatureVerificationFailed) throw errors.authFailed('the JWT signature does not match this access key\'s secret key');
      if (err instanceof jose.JOSEAlgNotAllowed) throw errors.authInvalid('the JWT must be signed with HS256');
      throw errors.authInvalid(`the JWT is not valid (${(err as Error).message})`);
    }
    return key;
  }
}
