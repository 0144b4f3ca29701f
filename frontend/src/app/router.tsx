import { createBrowserRouter, Link } from "react-router";
import type { Schemas } from "../lib/api/client";
import { AppShell, PublicShell } from "./AppShell";
import { RequireAuth } from "./RequireAuth";
import { HomePage, ProfilePage } from "../features/auth/components/account";
import {
  AcceptInvitePage,
  AffiliateJoinPage,
  ConfirmSignupPage,
  ForgotPasswordPage,
  LandingPage,
  LoginPage,
  LogoutPage,
  ResetPasswordPage,
  SignupPage,
} from "../features/auth/components/pages";
import { ApiKeysCard } from "../features/apikeys/components/ApiKeysCard";
import { MailboxPage } from "../features/dev/components/MailboxPage";
import { MarketplacePage } from "../features/catalog/components/MarketplacePage";
import { MyProductsPage } from "../features/catalog/components/MyProductsPage";
import { ProductEditorPage } from "../features/catalog/components/ProductEditorPage";
import { ProductPage } from "../features/catalog/components/ProductPage";
import { VettingPage } from "../features/catalog/components/VettingPage";
import { GetLinkCard } from "../features/links/components/GetLinkCard";
import { LinksPage } from "../features/links/components/LinksPage";
import { CommissionsPage } from "../features/commissions/components/CommissionsPage";
import { ContentGeneratorPage } from "../features/content/components/ContentGeneratorPage";
import { WritePostCard } from "../features/content/components/WritePostCard";
import { FraudQueuePage } from "../features/commissions/components/FraudQueuePage";
import { SalesPage } from "../features/commissions/components/SalesPage";
import { DashboardPage } from "../features/dashboards/components/DashboardPage";
import { RecommendedForYou } from "../features/search/components/RecommendedForYou";
import { SearchResults } from "../features/search/components/SearchResults";
import { SimilarProducts } from "../features/search/components/SimilarProducts";
import { MyPayoutsPage } from "../features/payouts/components/MyPayoutsPage";
import { PayoutBatchesPage } from "../features/payouts/components/PayoutBatchesPage";
import { LinkNotFoundPage, OfferUnavailablePage } from "../features/links/components/VisitorPages";
import { BlockPage } from "../features/ledger/components/BlockPage";
import { EarningsProofPage } from "../features/ledger/components/EarningsProofPage";
import { LedgerPage } from "../features/ledger/components/LedgerPage";
import { TransactionPage } from "../features/ledger/components/TransactionPage";
import { NotificationsPage } from "../features/notifications/components/NotificationsPage";
import { UnsubscribePage } from "../features/notifications/components/UnsubscribePage";
import { ActivityPage } from "../features/platform/components/ActivityPage";
import { TenantsPage } from "../features/platform/components/TenantsPage";
import { SettingsPage } from "../features/tenant/components/SettingsPage";
import { UsersPage } from "../features/users/components/UsersPage";
import { WebhooksPage } from "../features/webhooks/components/WebhooksPage";

function NotFound() {
  return (
    <div className="py-16 text-center">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <Link to="/" className="mt-4 inline-block text-brand">Go home</Link>
    </div>
  );
}

// what an affiliate gets on an approved product's page: their link, and a post about it
function AffiliateCards({ product }: { product: Schemas["ProductRead"] }) {
  return (
    <>
      <GetLinkCard product={product} />
      <WritePostCard product={product} />
    </>
  );
}

export const router = createBrowserRouter([
  {
    element: <PublicShell />,
    children: [
      { path: "/", element: <LandingPage /> },
      { path: "/signup", element: <SignupPage /> },
      { path: "/login", element: <LoginPage /> },
      { path: "/logout", element: <LogoutPage /> },
      { path: "/t/:slug/join", element: <AffiliateJoinPage /> },
      { path: "/join/confirm", element: <ConfirmSignupPage /> },
      { path: "/t/:slug/unavailable", element: <OfferUnavailablePage /> },
      { path: "/unsubscribe", element: <UnsubscribePage /> },
      { path: "/link-not-found", element: <LinkNotFoundPage /> },
      { path: "/invite/:token", element: <AcceptInvitePage /> },
      { path: "/forgot-password", element: <ForgotPasswordPage /> },
      { path: "/reset-password", element: <ResetPasswordPage /> },
      // an admin's own organisation's mail (every organisation's for a platform admin)
      { path: "/dev/mailbox", element: <RequireAuth roles={["tenant_admin", "platform_admin"]}><MailboxPage /></RequireAuth> },
      { path: "*", element: <NotFound /> },
    ],
  },
  {
    element: <RequireAuth><AppShell /></RequireAuth>,
    children: [
      { path: "/app", element: <HomePage /> },
      { path: "/app/notifications", element: <RequireAuth><NotificationsPage /></RequireAuth> },
      { path: "/app/profile", element: <ProfilePage /> },
      { path: "/app/earnings", element: <EarningsProofPage /> },
      { path: "/app/marketplace", element: <MarketplacePage Search={SearchResults} /> },
      { path: "/app/products", element: <RequireAuth roles={["vendor", "tenant_admin"]}><MyProductsPage /></RequireAuth> },
      { path: "/app/products/new", element: <RequireAuth roles={["vendor"]}><ProductEditorPage /></RequireAuth> },
      { path: "/app/products/:id", element: <ProductPage LinkCard={AffiliateCards} Similar={SimilarProducts} /> },
      { path: "/app/products/:id/edit", element: <RequireAuth roles={["vendor"]}><ProductEditorPage /></RequireAuth> },
      { path: "/app/vetting", element: <RequireAuth roles={["tenant_admin"]}><VettingPage /></RequireAuth> },
      { path: "/app/links", element: <RequireAuth roles={["affiliate", "tenant_admin"]}><LinksPage /></RequireAuth> },
      { path: "/app/content", element: <RequireAuth roles={["affiliate", "tenant_admin"]}><ContentGeneratorPage /></RequireAuth> },
      { path: "/app/dashboard", element: <RequireAuth roles={["affiliate", "vendor", "tenant_admin"]}><DashboardPage Recommended={RecommendedForYou} /></RequireAuth> },
      { path: "/app/sales", element: <RequireAuth roles={["vendor", "tenant_admin"]}><SalesPage KeysCard={ApiKeysCard} /></RequireAuth> },
      { path: "/app/commissions", element: <RequireAuth roles={["affiliate", "tenant_admin"]}><CommissionsPage /></RequireAuth> },
      { path: "/app/payouts", element: <RequireAuth roles={["affiliate"]}><MyPayoutsPage /></RequireAuth> },
      { path: "/app/payout-batches", element: <RequireAuth roles={["tenant_admin"]}><PayoutBatchesPage /></RequireAuth> },
      { path: "/app/fraud", element: <RequireAuth roles={["tenant_admin"]}><FraudQueuePage /></RequireAuth> },
      { path: "/app/ledger", element: <RequireAuth roles={["tenant_admin"]}><LedgerPage KeysCard={ApiKeysCard} /></RequireAuth> },
      { path: "/app/ledger/blocks/:height", element: <RequireAuth roles={["tenant_admin"]}><BlockPage /></RequireAuth> },
      { path: "/app/ledger/transactions/:id", element: <TransactionPage /> },
      { path: "/app/settings", element: <RequireAuth roles={["tenant_admin"]}><SettingsPage /></RequireAuth> },
      { path: "/app/users", element: <RequireAuth roles={["tenant_admin"]}><UsersPage /></RequireAuth> },
      { path: "/app/webhooks", element: <RequireAuth roles={["tenant_admin", "vendor"]}><WebhooksPage /></RequireAuth> },
      { path: "/platform/tenants", element: <RequireAuth roles={["platform_admin"]}><TenantsPage /></RequireAuth> },
      { path: "/platform/activity", element: <RequireAuth roles={["platform_admin"]}><ActivityPage /></RequireAuth> },
    ],
  },
]);
