/**
 * The environment every rclone child gets. rclone reads some variables the user's shell sets for
 * other tools, with bad results:
 * - AWS_CA_BUNDLE: rclone 1.60's S3 backend fails every call with LoadCustomCABundleError. Users
 *   with a corporate CA set it, so we drop it and hand the same bundle to rclone as `--ca-cert`.
 */
export interface RcloneEnvironment {
  env: Record<string, string>;
  /** Global flags that carry what the dropped variables meant. */
  globalArgs: string[];
  /** One line each on what was changed, for `--verbose` and `cloud doctor`. */
  notes: string[];
}

/** Variables rclone never sees; a command line shown to people must drop them too. */
export const DROPPED = ['AWS_CA_BUNDLE'] as const;

export function rcloneEnvironment(parent: NodeJS.ProcessEnv, fileExists: (file: string) => boolean): RcloneEnvironment {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && !(DROPPED as readonly string[]).includes(key)) env[key] = value;
  }
  const globalArgs: string[] = [];
  const notes: string[] = [];
  const bundle = parent.AWS_CA_BUNDLE?.trim();
  if (bundle) {
    if (fileExists(bundle)) {
      globalArgs.push('--ca-cert', bundle);
      notes.push(`AWS_CA_BUNDLE is set: rclone gets it as --ca-cert ${bundle} instead (rclone 1.60 fails with LoadCustomCABundleError otherwise).`);
    } else {
      notes.push(`AWS_CA_BUNDLE points at ${bundle}, which does not exist: it is not passed to rclone.`);
    }
  }
  return { env, globalArgs, notes };
}
