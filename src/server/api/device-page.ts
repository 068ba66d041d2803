import crypto from 'node:crypto';

/** The pages of the device flow: plain HTML, no script, every value escaped. */

export type PageMessage = { kind: 'ok' | 'error'; text: string };

const STYLE = `body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; }
label { display: block; margin: 1rem 0 0.25rem; }
input { font-size: 1.1rem; padding: 0.3rem; width: 100%; box-sizing: border-box; }
button { margin: 1rem 0.5rem 0 0; font-size: 1rem; padding: 0.4rem 1rem; }
.ok { color: #176317; } .error { color: #a11; } .who { color: #555; }`;

/**
 * Sent with every page: nothing but our own inline style may load, forms post only here, and no
 * other site may frame the page (clickjacking an Approve button).
 */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Asks for the email and password of a user the operator made; the code travels along. */
export function signInPage(options: { userCode: string; message?: PageMessage }): string {
  return page('Sign in to approve a device', options.message, `
<p>Sign in with the account your server operator made for you. You can then approve the code the CLI shows, for your own tenant only.</p>
<form method="post" action="/device/session">
<input type="hidden" name="user_code" value="${escapeHtml(options.userCode)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

/** The approval form of a signed-in user: the tenant is theirs, never a field of the form. */
export function approvalPage(options: { userCode: string; email: string; tenantId: string; csrfToken: string; message?: PageMessage }): string {
  const csrf = `<input type="hidden" name="csrf_token" value="${escapeHtml(options.csrfToken)}">`;
  return page('Approve a device', options.message, `
<p class="who">Signed in as ${escapeHtml(options.email)}, tenant ${escapeHtml(options.tenantId)}.</p>
<p>Enter the code the CLI shows. Approve only a code you started yourself: the device gets access to your tenant's notes.</p>
<form method="post" action="/device">
${csrf}
<label for="user_code">Code</label>
<input id="user_code" name="user_code" value="${escapeHtml(options.userCode)}" autocomplete="off" required>
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>
<form method="post" action="/device/signout">
${csrf}
<button type="submit">Sign out</button>
</form>`);
}

function page(title: string, message: PageMessage | undefined, body: string): string {
  const shown = message ? `<p class="${message.kind}">${escapeHtml(message.text)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Basic Memory reference server: ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${shown}${body}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
