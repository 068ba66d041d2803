/** The approval page of the device flow: plain HTML, no script, every value escaped. */

export function devicePage(options: { userCode: string; message?: { kind: 'ok' | 'error'; text: string } }): string {
  const message = options.message
    ? `<p class="${options.message.kind}">${escapeHtml(options.message.text)}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Basic Memory reference server: approve a device</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; }
label { display: block; margin: 1rem 0 0.25rem; }
input { font-size: 1.1rem; padding: 0.3rem; width: 100%; box-sizing: border-box; }
button { margin: 1rem 0.5rem 0 0; font-size: 1rem; padding: 0.4rem 1rem; }
.ok { color: #176317; } .error { color: #a11; }
</style>
</head>
<body>
<h1>Approve a device</h1>
${message}
<p>Enter the code the CLI shows, and the tenant to log in as (an existing tenant id, or <code>new</code> for a fresh tenant).</p>
<form method="post" action="/device">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" value="${escapeHtml(options.userCode)}" autocomplete="off" required>
<label for="tenant_id">Tenant</label>
<input id="tenant_id" name="tenant_id" value="new" required>
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
