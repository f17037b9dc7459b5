import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * The page a browser gets at the console without a valid token: a person
 * opened the bare URL (or an old link), and raw 401 JSON would tell them
 * nothing. Scripts and other clients still get the JSON error.
 */

/** Whether the request is a browser navigation (it asks for HTML), not a script's fetch or an asset. */
export function wantsHtml(req: IncomingMessage): boolean {
  const method = req.method ?? 'GET'
  if (method !== 'GET' && method !== 'HEAD') return false
  const mode = req.headers['sec-fetch-mode']
  if (typeof mode === 'string' && mode !== 'navigate') return false
  return (req.headers.accept ?? '').split(',').some((part) => part.trim().split(';')[0]?.trim().toLowerCase() === 'text/html')
}

export type SignInReason = 'missing' | 'wrong'

const HEADLINE: Record<SignInReason, string> = {
  missing: 'This console needs its link',
  wrong: 'This console link is not valid (any more)',
}

const WHY: Record<SignInReason, string> = {
  missing: 'The console is an admin tool: it opens only from the link with its token, which then stays in this browser as a cookie until the browser closes.',
  wrong: 'The token in this link is not the one this server uses. It was made anew with <code>schemata serve --new-token</code>, or the link is from another data directory.',
}

function page(reason: SignInReason, port: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Schemata — sign in</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #14161a; color: #e6e6e6; margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { max-width: 38rem; padding: 2rem; }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  code { background: #262a31; padding: 0.1rem 0.35rem; border-radius: 4px; }
  li { margin: 0.4rem 0; }
</style>
</head>
<body>
<main data-testid="console-sign-in">
<h1>${HEADLINE[reason]}</h1>
<p>${WHY[reason]}</p>
<ul>
  <li>Open the <strong>Console:</strong> line that <code>schemata serve</code> printed (<code>http://localhost:${port}/?token=…</code>). The token is kept in the data directory, so the link stays valid when <code>serve</code> restarts.</li>
  <li>Lost it? Stop <code>serve</code> and start it again: it prints the same link. <code>schemata serve --new-token</code> prints a new one and makes every older link invalid.</li>
</ul>
</main>
</body>
</html>
`
}

/** Writes the sign-in page with status 401; nothing on it runs script, so it gets a policy of its own. */
export function sendSignInPage(res: ServerResponse, reason: SignInReason, port: number, options: { head?: boolean } = {}): void {
  const body = page(reason, port)
  res.writeHead(401, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  })
  res.end(options.head === true ? undefined : body)
}
