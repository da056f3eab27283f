/** Admin: tenants with limits, spend this month and keys (issue, rotate, revoke; a new key is shown once), enable/disable. */
import { useCallback, useState } from 'preact/hooks';
import { client, ok, type IssuedKey, type Tenant } from '../api';
import { usePolled } from './poll';
import { usd } from './task-bits';

async function loadTenants(): Promise<Array<Tenant & { spentUsd: number | null }>> {
  const tenants = ok(await client.GET('/admin/tenants')).data;
  return Promise.all(tenants.map(async (t) => {
    const u = await client.GET('/admin/tenants/{id}/usage', { params: { path: { id: t.id } } });
    return { ...t, spentUsd: u.data?.budget.spentUsd ?? null };
  }));
}

export function AdminTenants() {
  const { data, error, reload } = usePolled(loadTenants, 5000);
  const [issued, setIssued] = useState<(IssuedKey & { tenant: string }) | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const act = useCallback((fn: () => Promise<unknown>) => () => {
    setFailure(null);
    fn().then(reload, (err: Error) => setFailure(err.message));
  }, [reload]);
  const path = (id: string) => ({ params: { path: { id } } });
  const keyPath = (id: string, keyId: string) => ({ params: { path: { id, keyId } } });

  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">Tenants</h1>
      {(error ?? failure) && <p role="alert" class="error">{error ?? failure}</p>}
      {issued && (
        <div role="alert" class="issued">
          <p>New key for {issued.tenant} (shown this once, copy it now):</p>
          <code>{issued.key}</code>
          <button type="button" onClick={() => setIssued(null)}>Done</button>
        </div>
      )}
      {data?.map((t) => (
        <article key={t.id} class="tenant" aria-labelledby={`t-${t.id}`}>
          <h2 id={`t-${t.id}`}>{t.name ?? t.id} {t.disabledAt && <span class="badge s-failed">disabled</span>}</h2>
          <p>
            {t.id} · {t.source} · {t.rateLimitPerMinute}/min · {t.maxConcurrentTasks} at once · budget {t.monthlyBudgetUsd === null ? 'none' : usd(t.monthlyBudgetUsd)} · spent this month {t.spentUsd === null ? '—' : usd(t.spentUsd)}
          </p>
          {t.disabledReason === 'removed_from_config' && <p>Disabled because the config file no longer lists it.</p>}
          <div role="group" aria-label={`Actions for ${t.id}`}>
            <button onClick={act(async () => { const k = ok(await client.POST('/admin/tenants/{id}/keys', path(t.id))); setIssued({ ...k, tenant: t.id }); })}>Issue key for {t.id}</button>
            <button onClick={act(async () => ok(await client.PATCH('/admin/tenants/{id}', { ...path(t.id), body: { disabled: !t.disabledAt } })))}>
              {t.disabledAt ? 'Enable' : 'Disable'} {t.id}
            </button>
          </div>
          <table>
            <caption>Keys of {t.id}</caption>
            <thead><tr><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {t.keys.map((k) => (
                <tr key={k.id}>
                  <td><code>{k.prefix}…</code></td>
                  <td>{new Date(k.createdAt).toLocaleString()}</td>
                  <td>
                    <button onClick={act(async () => { const n = ok(await client.POST('/admin/tenants/{id}/keys/{keyId}/rotate', keyPath(t.id, k.id))); setIssued({ ...n, tenant: t.id }); })}>Rotate {k.prefix}</button>
                    <button onClick={act(async () => { const r = await client.DELETE('/admin/tenants/{id}/keys/{keyId}', keyPath(t.id, k.id)); if (!r.response.ok) throw new Error('revoke failed'); })}>Revoke {k.prefix}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
    </section>
  );
}
