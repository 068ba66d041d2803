/**
 * The layers of src/ (docs/ARCHITECTURE.md, "Layers"), checked by `npm run lint:layers` and by
 * test/unit/layers.test.ts. A folder may import its own layer and the layers below it:
 *
 *   core → local → api → rclone → auth → features (bisync, mount, credentials, doctor, setup, service, status) → cli
 *
 * The reference server (src/server/) is a separate program. It shares two things with the CLI: the
 * mount supervisor and what it needs to start rclone, so the server's tenant containers mount their
 * buckets with exactly the code `cloud mount` uses, and the bucket's reserved names
 * (core/reserved-names.ts), so both keep the same keys out of the notes (SERVER_SHARES below).
 */
const SERVER_SHARES = ['^src/server/', '^src/core/reserved-names\\.ts$', '^src/mount/(supervisor|platform|args|rc|profiles)\\.ts$', '^src/rclone/runner\\.ts$', '^src/core/paths\\.ts$'];
const FEATURES = '(bisync|mount|credentials|doctor|setup|service|status)';

/** A rule that forbids `from` (a src/ folder pattern) to import anything but `allowed` folders. */
const layer = (name, from, allowed, extra = {}) => ({
  name,
  severity: 'error',
  comment: `src/${from}/ may import only ${allowed.join(', ')} (and node or npm modules).`,
  from: { path: `^src/${from}/`, ...extra.from },
  to: { path: '^src/', pathNot: allowed.map((folder) => `^src/${folder}/`), ...extra.to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: the modules cannot be understood, tested or loaded one without the other.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    // core/command.ts names the rclone runner and API client types a command receives; type-only,
    // so core still loads nothing above it.
    layer('core-is-the-bottom', 'core', ['core'], { from: { pathNot: '^src/core/command\\.ts$' } }),
    layer('command-types-only', 'core', ['core', 'api', 'rclone'], { from: { path: '^src/core/command\\.ts$' } }),
    {
      name: 'command-imports-types-only',
      severity: 'error',
      comment: 'core/command.ts may reach above core for types only.',
      from: { path: '^src/core/command\\.ts$' },
      to: { path: '^src/(api|rclone)/', dependencyTypesNot: ['type-only'] },
    },
    layer('local-above-core-only', 'local', ['core', 'local']),
    layer('api-above-core-only', 'api', ['core', 'local', 'api']),
    layer('rclone-below-auth', 'rclone', ['core', 'local', 'api', 'rclone']),
    layer('auth-below-features', 'auth', ['core', 'local', 'api', 'rclone', 'auth']),
    layer('features-below-cli', FEATURES, ['core', 'local', 'api', 'rclone', 'auth', 'bisync', 'mount', 'credentials', 'doctor', 'setup', 'service', 'status']),
    {
      name: 'no-feature-imports-another-features-commands',
      severity: 'error',
      comment: 'A command handler belongs to the composition root (src/cli/); features share their lower-level functions.',
      from: { path: `^src/${FEATURES}/` },
      to: { path: `^src/${FEATURES}/definitions\\.ts$` },
    },
    {
      name: 'server-is-its-own-program',
      severity: 'error',
      comment: 'The reference server and the CLI meet only over HTTP and S3, except for the shared mount supervisor.',
      from: { path: '^src/server/' },
      to: { path: '^src/', pathNot: SERVER_SHARES },
    },
    {
      name: 'cli-does-not-import-the-server',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/server/' },
      to: { path: '^src/server/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
