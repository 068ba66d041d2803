/**
 * Secrets (secret keys, JWTs, refresh tokens) must never reach the terminal or a log file, even
 * with --verbose. Every value registered here is replaced by `***` in whatever Output prints.
 */
export class SecretRedactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined | null): void {
    // Very short values would blank out ordinary words; real secrets are long.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join('***');
    return result.replace(JWT_PATTERN, '***');
  }
}

/** Anything shaped like a JWT is masked even when nobody registered it. */
const JWT_PATTERN = /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}\b/g;
