/** The console: sign in, then the tenant's views (tasks, a task, usage) or the admin's (providers, tenants, queues). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { restore, signOut, type Role } from './api';
import { AdminProviders, AdminQueues } from './views/admin';
import { AdminTenants } from './views/tenants';
import { Gallery } from './views/gallery';
import { Login } from './views/login';
import { TaskPage } from './views/task';
import { Usage } from './views/usage';
import './styles.css';

/** The hash path (`#/task/tsk_…` → `/task/tsk_…`): routes never reach the server, so no credential is in a URL. */
function useRoute(): string {
  const read = () => location.hash.replace(/^#/, '') || '/';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

const NAV: Record<Role, Array<[string, string]>> = {
  tenant: [['/', 'Tasks'], ['/usage', 'Usage']],
  admin: [['/', 'Providers'], ['/tenants', 'Tenants'], ['/queues', 'Queues']],
};

function View({ role, route }: { role: Role; route: string }) {
  const task = /^\/task\/([\w-]+)$/.exec(route);
  if (task) return <TaskPage id={task[1]!} role={role} />;
  if (role === 'tenant') return route === '/usage' ? <Usage /> : <Gallery />;
  if (route === '/tenants') return <AdminTenants />;
  if (route === '/queues') return <AdminQueues />;
  return <AdminProviders />;
}

function App() {
  const [role, setRole] = useState<Role | null>(restore);
  const route = useRoute();
  if (!role) return <Login onSignedIn={setRole} />;
  const current = route.startsWith('/task/') ? '' : route;
  return (
    <>
      <header class="bar">
        <strong class="brand">mj-gateway</strong>
        <nav aria-label="Sections">
          {NAV[role].map(([path, label]) => (
            <a key={path} href={`#${path}`} aria-current={current === path ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <span class="who">{role === 'admin' ? 'Admin' : 'Tenant'}</span>
        <button type="button" onClick={() => { signOut(); setRole(null); location.hash = ''; }}>Sign out</button>
      </header>
      <main><View role={role} route={route} /></main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
