import type { Sqlite } from './sqlite.js';

/** A person who may approve logins for one tenant; made by the operator, never by a web page. */
export interface User {
  id: string;
  email: string;
  tenantId: string;
  passwordHash: string;
  createdAt: string;
}

/** A signed-in browser on the approval page; the cookie's value is kept only as a hash. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  expiresAt: number;
}

export interface AccountRepository {
  insertUser(user: User): void;
  findUserByEmail(email: string): User | undefined;
  findUser(id: string): User | undefined;
  insertSession(session: SessionRecord): void;
  findSession(idHash: string): SessionRecord | undefined;
  deleteSession(idHash: string): void;
  /** Removes sessions that expired before `at`; returns how many. */
  purgeSessions(at: number): number;
}

const USER_COLUMNS = 'id, email, tenant_id AS tenantId, password_hash AS passwordHash, created_at AS createdAt';
const SESSION_COLUMNS = 'id_hash AS idHash, user_id AS userId, csrf_token AS csrfToken, expires_at AS expiresAt';

export function accountRepository(db: Sqlite): AccountRepository {
  const insertUser = db.prepare('INSERT INTO users (id, email, tenant_id, password_hash, created_at) VALUES (@id, @email, @tenantId, @passwordHash, @createdAt)');
  const findByEmail = db.prepare<[string], User>(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`);
  const findUser = db.prepare<[string], User>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
  const insertSession = db.prepare('INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at) VALUES (@idHash, @userId, @csrfToken, @expiresAt)');
  const findSession = db.prepare<[string], SessionRecord>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ?`);
  const deleteSession = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
  const purgeSessions = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
  return {
    insertUser: (user) => void insertUser.run(user),
    findUserByEmail: (email) => findByEmail.get(email),
    findUser: (id) => findUser.get(id),
    insertSession: (session) => void insertSession.run(session),
    findSession: (idHash) => findSession.get(idHash),
    deleteSession: (idHash) => void deleteSession.run(idHash),
    purgeSessions: (at) => purgeSessions.run(at).changes,
  };
}
