// The login form, shown when the server answers 401 (a server started with an API token):
// the token is exchanged for an HttpOnly session cookie, so it never stays in the page.

import { html, useState } from '../vendor/preact-htm.js';
import { useSubmit } from './api.js';

// The server's own login route (the form at /login posts the same): a 303 with the cookie
// on success, 401 for a wrong token.
async function signIn(token) {
  const response = await fetch('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    throw Object.assign(new Error(`signing in failed (${response.status})`), { status: response.status });
  }
}

export function Login({ onDone }) {
  const [token, setToken] = useState('');
  const [busy, error, submit] = useSubmit(
    async () => {
      await signIn(token);
      onDone();
    },
    (e) => (e.status === 401 ? 'That token is not right.' : e.message),
  );
  return html`<main class="start" id="main">
    <form class="login" onSubmit=${submit} aria-describedby="login-help login-error">
      <h1>Sign in</h1>
      <p id="login-help" class="lede">This server asks for its API token (REPLICA_API_TOKEN).</p>
      <label class="field-label" for="token">API token</label>
      <input id="token" name="token" type="password" required autocomplete="current-password"
        value=${token} onInput=${(e) => setToken(e.target.value)}/>
      <button class="primary" type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      <p id="login-error" class="form-error" role="alert">${error}</p>
    </form>
  </main>`;
}
