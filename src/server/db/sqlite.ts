import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Sqlite = Database.Database;

/**
 * Opens (creating if needed) a SQLite file readable by its owner only, in WAL mode so the API and
 * a `token` command run alongside it do not block each other, and brings its schema up to date.
 * Migrations are an ordered list of SQL scripts; `user_version` records how many have run.
 */
export function openSqlite(file: string, migrations: readonly string[]): Sqlite {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  fs.chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  return db;
}

function migrate(db: Sqlite, migrations: readonly string[]): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > migrations.length) {
    throw new Error(`The database was written by a newer server (schema ${applied}, this one knows ${migrations.length}).`);
  }
  migrations.slice(applied).forEach((sql, index) => {
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${applied + index + 1}`);
    })();
  });
}
