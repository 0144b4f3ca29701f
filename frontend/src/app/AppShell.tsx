import { Suspense, useState } from "react";
import { Link, NavLink, Outlet } from "react-router";
import { ConnectionIndicator } from "../components/ConnectionIndicator";
import { NotificationBell } from "../features/notifications/components/NotificationBell";
import { NotificationToast } from "../features/notifications/components/NotificationToast";
import { apiUrl } from "../lib/api/base";
import { useAuth } from "../lib/auth/session";

interface NavItem {
  to: string;
  label: string;
  roles?: string[];
}

// The navigation in groups, so a tenant admin's nineteen places read as five short lists: a
// sidebar from 1024 px, a menu behind a button below that.
const NAV: [group: string, items: NavItem[]][] = [
  ["Overview", [
    { to: "/app", label: "Home", roles: ["tenant_admin", "vendor", "affiliate"] },
    { to: "/app/dashboard", label: "Dashboard", roles: ["tenant_admin", "vendor", "affiliate"] },
  ]],
  ["Programme", [
    { to: "/app/marketplace", label: "Marketplace", roles: ["tenant_admin", "vendor", "affiliate"] },
    { to: "/app/products", label: "Products", roles: ["tenant_admin", "vendor"] },
    { to: "/app/affiliates", label: "Affiliates", roles: ["tenant_admin"] },
    { to: "/app/groups", label: "Groups", roles: ["tenant_admin"] },
    { to: "/app/vetting", label: "Vetting", roles: ["tenant_admin"] },
    { to: "/app/links", label: "Links", roles: ["affiliate", "tenant_admin"] },
    { to: "/app/content", label: "Content", roles: ["affiliate", "tenant_admin"] },
  ]],
  ["Money", [
    { to: "/app/sales", label: "Sales", roles: ["vendor", "tenant_admin"] },
    { to: "/app/commissions", label: "Commissions", roles: ["affiliate", "tenant_admin"] },
    { to: "/app/payouts", label: "Payouts", roles: ["affiliate"] },
    { to: "/app/payout-batches", label: "Payouts", roles: ["tenant_admin"] },
    { to: "/app/fraud", label: "Fraud queue", roles: ["tenant_admin"] },
    { to: "/app/ledger", label: "Ledger", roles: ["tenant_admin"] },
    { to: "/app/earnings", label: "Earnings proof", roles: ["affiliate"] },
    { to: "/app/earnings", label: "Commissions owed", roles: ["vendor"] },
  ]],
  ["Organisation", [
    { to: "/app/recruiting", label: "Recruiting", roles: ["tenant_admin"] },
    { to: "/app/users", label: "Users", roles: ["tenant_admin"] },
    { to: "/app/webhooks", label: "Webhooks", roles: ["tenant_admin", "vendor"] },
    { to: "/app/settings", label: "Settings", roles: ["tenant_admin"] },
  ]],
  ["Platform", [
    { to: "/platform/tenants", label: "Tenants", roles: ["platform_admin"] },
    { to: "/platform/activity", label: "Activity", roles: ["platform_admin"] },
  ]],
  ["Account", [{ to: "/app/profile", label: "Profile" }]],
];

const SKIP_LINK =
  "sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow";

export function AppShell() {
  const { me } = useAuth();
  const [open, setOpen] = useState(false);
  const groups = NAV.map(([group, items]) => [group, items.filter((i) => !i.roles || (me && i.roles.includes(me.role)))] as const)
    .filter(([, items]) => items.length > 0);
  const linkClass = ({ isActive }: { isActive: boolean }) =>
    `block rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? "bg-brand text-white" : "text-slate-700 hover:bg-slate-100"}`;

  return (
    <div className="min-h-screen">
      <a href="#main" className={SKIP_LINK}>Skip to content</a>
      <header className="border-b border-slate-200 bg-white">
        <div className="flex items-center justify-between gap-4 px-4 py-3">
          <Link to={me ? "/app" : "/"} className="flex min-w-0 items-center gap-2 font-semibold" data-testid="brand">
            {me?.tenant.logo_url ? (
              <img src={apiUrl(me.tenant.logo_url)} alt="" className="h-8 w-8 rounded object-contain" />
            ) : (
              <span className="inline-block size-8 shrink-0 rounded bg-brand" aria-hidden />
            )}
            <span className="truncate">{me?.tenant.display_name ?? "BitNexus"}</span>
          </Link>
          <div className="flex items-center gap-3">
            {me && me.role !== "platform_admin" && <NotificationBell />}
            {me && <ConnectionIndicator />}
            <button
              type="button"
              className="rounded-md border border-slate-300 px-3 py-1 text-sm lg:hidden"
              aria-expanded={open}
              aria-controls="main-nav"
              onClick={() => setOpen((o) => !o)}
            >
              Menu
            </button>
          </div>
        </div>
      </header>
      <div className="lg:flex">
        <nav id="main-nav" aria-label="Main" className={`${open ? "block" : "hidden"} border-b border-slate-200 bg-white p-3 lg:block lg:w-52 lg:shrink-0 lg:border-b-0 lg:border-r`}>
          {groups.map(([group, items]) => (
            <div key={group} className="mb-3">
              <h2 className="px-3 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-600">{group}</h2>
              <ul>
                {items.map((item) => (
                  <li key={item.to}>
                    <NavLink to={item.to} end className={linkClass} onClick={() => setOpen(false)}>
                      {item.label}
                    </NavLink>
                  </li>
                ))}
                {group === "Account" && me && (
                  <li>
                    <Link to="/logout" className="block rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100">
                      Log out
                    </Link>
                  </li>
                )}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-6 focus:outline-none">
          <div className="mx-auto max-w-6xl">
            <Suspense fallback={<PageLoading />}>
              <Outlet />
            </Suspense>
          </div>
        </main>
      </div>
      {me && me.role !== "platform_admin" && <NotificationToast />}
    </div>
  );
}

export function PublicShell() {
  return (
    <div className="min-h-screen">
      <a href="#main" className={SKIP_LINK}>Skip to content</a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center justify-between px-4 py-3">
          <Link to="/" className="flex items-center gap-2 font-semibold">
            <span className="inline-block size-8 rounded bg-brand" aria-hidden /> BitNexus
          </Link>
          <nav className="flex gap-3 text-sm">
            <Link to="/login" className="text-brand">Log in</Link>
            <Link to="/signup" className="text-brand">Create organisation</Link>
          </nav>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 focus:outline-none">
        <Suspense fallback={<PageLoading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}

// shown while a page's chunk loads (pages are split per route: see app/router.tsx)
function PageLoading() {
  return (
    <p role="status" className="py-16 text-center text-sm text-slate-500">
      Loading…
    </p>
  );
}
