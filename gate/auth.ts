/**
 * Bearer tokens with roles: reader (GET), operator (register, complete,
 * abort, checkpoints, approvals), admin (specs, policy). Each role includes the ones below it.
 *
 * Token file / `RH_TOKENS` formats (both accepted, detected by the first character):
 *
 *   # one token per line: name:role:token   ('#' starts a comment; the token may contain ':')
 *   argo-rollouts:reader:3b1f0c...
 *   ci-pipeline:operator:9a7e44...
 *   platform-admin:admin:c0ffee...
 *
 *   [{ "name": "argo-rollouts", "role": "reader", "token": "3b1f0c..." }, ...]
 *
 * Names are what logs and the audit trail show; tokens never appear in logs, errors or audit
 * entries. Tokens must be at least 16 characters without whitespace (e.g. `openssl rand -hex 32`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../analyzer/configError.ts';

export type Role = 'reader' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['reader', 'operator', 'admin'];
const RANK: Record<Role, number> = { reader: 1, operator: 2, admin: 3 };

export interface Identity {
  /** token name: shown in logs and the audit trail */
  name: string;
  role: Role;
}

export class TokenConfigError extends ConfigError {
  override readonly name = 'TokenConfigError';
}

interface Entry extends Identity {
  hash: Buffer;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The configured tokens, kept only as SHA-256 digests. */
export class TokenSet {
  readonly #entries: Entry[];

  constructor(tokens: readonly { name: string; role: Role; token: string }[]) {
    const names = new Set<string>();
    const digests = new Set<string>();
    this.#entries = tokens.map(({ name, role, token }, i) => {
      const where = `token #${i + 1} (${NAME.test(name) ? name : 'unnamed'})`;
      if (!NAME.test(name)) throw new TokenConfigError(`${where}: name must be letters, digits and . _ - (max 64)`);
      if (!ROLES.includes(role)) throw new TokenConfigError(`${where}: role must be one of ${ROLES.join(', ')}`);
      if (typeof token !== 'string' || token.length < 16 || token.length > 4096 || /\s/.test(token)) {
        throw new TokenConfigError(`${where}: the token must be 16..4096 characters without whitespace`);
      }
      if (names.has(name)) throw new TokenConfigError(`${where}: duplicate name`);
      const hash = sha256(token);
      if (digests.has(hash.toString('hex'))) throw new TokenConfigError(`${where}: the same token is configured twice`);
      names.add(name);
      digests.add(hash.toString('hex'));
      return { name, role, hash };
    });
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * The identity a presented token belongs to, or undefined. Compares SHA-256 digests with
   * `timingSafeEqual` (equal lengths by construction) against EVERY entry without stopping at a
   * match, so the time taken says nothing about which token, or how much of one, matched.
   */
  verify(presented: string | undefined): Identity | undefined {
    if (!presented) return undefined;
    const digest = sha256(presented);
    let found: Entry | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(digest, entry.hash) && !found) found = entry;
    }
    return found ? { name: found.name, role: found.role } : undefined;
  }
}

/** Does `role` include `needed`? (admin ⊇ operator ⊇ reader) */
export const hasRole = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

type TokenEntry = { name: string; role: Role; token: string };

/** Parses either format above; errors name the line or entry, never the token. */
export function parseTokens(text: string): TokenSet {
  return new TokenSet(parseTokenEntries(text));
}

function parseTokenEntries(text: string): TokenEntry[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch {
      throw new TokenConfigError('tokens: not valid JSON (expected [{ "name", "role", "token" }, ...])');
    }
    const list = Array.isArray(raw) ? raw : (raw as { tokens?: unknown }).tokens;
    if (!Array.isArray(list))
      throw new TokenConfigError(
        'tokens: expected a JSON array of { "name", "role", "token" } (or { "tokens": [...] })',
      );
    return list.map((item, i): TokenEntry => {
      const o = (item ?? {}) as Record<string, unknown>;
      const unknownKeys = Object.keys(o).filter((k) => !['name', 'role', 'token'].includes(k));
      if (unknownKeys.length) throw new TokenConfigError(`token #${i + 1}: unknown field(s) ${unknownKeys.join(', ')}`);
      return {
        name: String(o.name ?? ''),
        role: String(o.role ?? '') as Role,
        token: typeof o.token === 'string' ? o.token : '',
      };
    });
  }
  const tokens: TokenEntry[] = [];
  // entries are separated by newlines (a token file) or commas (one environment variable, where
  // newlines are awkward: RH_TOKENS="ci:operator:…,grafana:reader:…"); tokens never contain either
  trimmed.split(/\r?\n|,/).forEach((line, i) => {
    const content = line.trim();
    if (content === '' || content.startsWith('#')) return;
    const first = content.indexOf(':');
    const second = content.indexOf(':', first + 1);
    if (first < 0 || second < 0) throw new TokenConfigError(`tokens entry ${i + 1}: expected name:role:token`);
    const role = content.slice(first + 1, second);
    if (!ROLES.includes(role as Role))
      throw new TokenConfigError(`tokens entry ${i + 1}: role must be one of ${ROLES.join(', ')}`);
    tokens.push({ name: content.slice(0, first), role: role as Role, token: content.slice(second + 1) });
  });
  return tokens;
}

export interface LoadTokensOptions {
  /** the value of `RH_TOKENS` (inline tokens) */
  env?: string;
  /** a token file (e.g. a mounted Kubernetes Secret) */
  file?: string;
}

/**
 * Tokens from `RH_TOKENS` and/or a file (both: the union; a name in both is an error). With none
 * configured every authenticated endpoint answers 401 — the gate never runs open by accident.
 */
export async function loadTokens(options: LoadTokensOptions): Promise<TokenSet> {
  const texts: string[] = [];
  if (options.env && options.env.trim()) texts.push(options.env);
  if (options.file) {
    try {
      texts.push(await readFile(options.file, 'utf8'));
    } catch (error) {
      throw new TokenConfigError(
        `cannot read token file ${options.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }
  const entries: TokenEntry[] = [];
  for (const text of texts) entries.push(...parseTokenEntries(text));
  return new TokenSet(entries);
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}
