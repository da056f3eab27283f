/** Sign in with a tenant key or the admin token. */
import { useState } from 'preact/hooks';
import { signIn, type Role } from '../api';

export function Login({ onSignedIn }: { onSignedIn: (role: Role) => void }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(secret.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>mj-gateway console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="secret">Tenant API key or admin token</label>
        <input id="secret" type="password" autocomplete="off" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        <button type="submit" disabled={busy || !secret.trim()}>Sign in</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
      <p class="hint">The credential stays in this tab (sessionStorage) and is sent only as an Authorization header.</p>
    </main>
  );
}
