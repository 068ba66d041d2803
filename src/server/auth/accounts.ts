import crypto from 'node:crypto';
import type { AccountRepository, User } from '../db/accounts.js';
import { ApiError } from '../tenants/api-error.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

export const SESSION_TTL_SECONDS = 3600;

export interface SignedIn {
  user: User;
  csrfToken: string;
}

export interface Accounts {
  /** The operator's `user add`: the tenant must exist; one account per email. */
  addUser(email: string, tenantId: string, password: string): Promise<User>;
  /** A new session for the right email and password (its cookie value), or null. */
  signIn(email: string, password: string): Promise<{ cookieValue: string; csrfToken: string } | null>;
  find(cookieValue: string | undefined): SignedIn | undefined;
  signOut(cookieValue: string | undefined): void;
  purgeExpired(): number;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

export function createAccounts(deps: { accounts: AccountRepository; tenants: TenantService; log: (line: string) => void; now?: () => number }): Accounts {
  const now = deps.now ?? Date.now;
  // Checked against when the email is unknown, so a wrong email costs the same time as a wrong password.
  let decoyHash: Promise<string> | undefined;

  return {
    async addUser(email, tenantId, password) {
      const normalized = email.trim();
      if (!EMAIL_PATTERN.test(normalized) || normalized.length > 254) throw new ApiError(400, `"${email}" is not an email address.`);
      const problem = passwordProblem(password);
      if (problem) throw new ApiError(400, problem);
      const tenant = deps.tenants.requireActiveTenant(tenantId);
      if (deps.accounts.findUserByEmail(normalized)) throw new ApiError(409, `A user with the email ${normalized} exists already.`);
      const user: User = { id: crypto.randomUUID(), email: normalized, tenantId: tenant.id, passwordHash: await hashPassword(password), createdAt: new Date(now()).toISOString() };
      deps.accounts.insertUser(user);
      deps.log(`user ${user.email} added to tenant ${tenant.id}`);
      return user;
    },

    async signIn(email, password) {
      const user = deps.accounts.findUserByEmail(email.trim());
      decoyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
      const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
      if (!user || !matches) return null;
      const cookieValue = crypto.randomBytes(32).toString('base64url');
      const csrfToken = crypto.randomBytes(32).toString('base64url');
      deps.accounts.insertSession({ idHash: sha256(cookieValue), userId: user.id, csrfToken, expiresAt: now() + SESSION_TTL_SECONDS * 1000 });
      return { cookieValue, csrfToken };
    },

    find(cookieValue) {
      if (!cookieValue) return undefined;
      const session = deps.accounts.findSession(sha256(cookieValue));
      if (!session || session.expiresAt <= now()) return undefined;
      const user = deps.accounts.findUser(session.userId);
      return user ? { user, csrfToken: session.csrfToken } : undefined;
    },

    signOut(cookieValue) {
      if (cookieValue) deps.accounts.deleteSession(sha256(cookieValue));
    },

    purgeExpired: () => deps.accounts.purgeSessions(now()),
  };
}
