import { type ComponentType, type LazyExoticComponent, lazy } from "react";
import { createBrowserRouter, Link, Navigate, useLocation, useParams } from "react-router";
import type { Schemas } from "../lib/api/client";
import { AppShell, PublicShell } from "./AppShell";
import { RequireAuth } from "./RequireAuth";
import {
  AcceptInvitePage,
  ConfirmSignupPage,
  ForgotPasswordPage,
  LandingPage,
  LoginPage,
  LogoutPage,
  ResetPasswordPage,
  SignupPage,
} from "../features/auth/components/pages";

// Every page is its own chunk, loaded when first visited: the first screen downloads only the
// shell and the page it shows (AppShell/PublicShell wrap pages in <Suspense>).
// (`any` is React.lazy's own bound on what it can load)
function page<K extends string, M extends Record<K, ComponentType<any>>>(
  load: () => Promise<M>,
  name: K,
): LazyExoticComponent<M[K]> {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const OnboardingChecklist = page(() => import("../features/onboarding/components/OnboardingChecklist"), "OnboardingChecklist");
const HomePage = page(() => import("../features/auth/components/account"), "HomePage");
const ProfilePage = page(() => import("../features/auth/components/account"), "ProfilePage");
const AffiliatePage = page(() => import("../features/affiliates/components/AffiliatePage"), "AffiliatePage");
const AffiliatesPage = page(() => import("../features/affiliates/components/AffiliatesPage"), "AffiliatesPage");
const ApiKeysCard = page(() => import("../features/apikeys/components/ApiKeysCard"), "ApiKeysCard");
const MailboxPage = page(() => import("../features/dev/components/MailboxPage"), "MailboxPage");
const MarketplacePage = page(() => import("../features/catalog/components/MarketplacePage"), "MarketplacePage");
const MyProductsPage = page(() => import("../features/catalog/components/MyProductsPage"), "MyProductsPage");
const ProductEditorPage = page(() => import("../features/catalog/components/ProductEditorPage"), "ProductEditorPage");
const ProductPage = page(() => import("../features/catalog/components/ProductPage"), "ProductPage");
const VettingPage = page(() => import("../features/catalog/components/VettingPage"), "VettingPage");
const GetLinkCard = page(() => import("../features/links/components/GetLinkCard"), "GetLinkCard");
const LinksPage = page(() => import("../features/links/components/LinksPage"), "LinksPage");
const CommissionsPage = page(() => import("../features/commissions/components/CommissionsPage"), "CommissionsPage");
const ContentGeneratorPage = page(() => import("../features/content/components/ContentGeneratorPage"), "ContentGeneratorPage");
const WritePostCard = page(() => import("../features/content/components/WritePostCard"), "WritePostCard");
const FraudQueuePage = page(() => import("../features/commissions/components/FraudQueuePage"), "FraudQueuePage");
const SalesPage = page(() => import("../features/commissions/components/SalesPage"), "SalesPage");
const SubscriptionPage = page(() => import("../features/commissions/components/SubscriptionPage"), "SubscriptionPage");
const DashboardPage = page(() => import("../features/dashboards/components/DashboardPage"), "DashboardPage");
const RecommendedForYou = page(() => import("../features/search/components/RecommendedForYou"), "RecommendedForYou");
const SearchResults = page(() => import("../features/search/components/SearchResults"), "SearchResults");
const SimilarProducts = page(() => import("../features/search/components/SimilarProducts"), "SimilarProducts");
const MyPayoutsPage = page(() => import("../features/payouts/components/MyPayoutsPage"), "MyPayoutsPage");
const PayoutBatchesPage = page(() => import("../features/payouts/components/PayoutBatchesPage"), "PayoutBatchesPage");
const LinkNotFoundPage = page(() => import("../features/links/components/VisitorPages"), "LinkNotFoundPage");
const OfferUnavailablePage = page(() => import("../features/links/components/VisitorPages"), "OfferUnavailablePage");
const BlockPage = page(() => import("../features/ledger/components/BlockPage"), "BlockPage");
const EarningsProofPage = page(() => import("../features/ledger/components/EarningsProofPage"), "EarningsProofPage");
const LedgerPage = page(() => import("../features/ledger/components/LedgerPage"), "LedgerPage");
const TransactionPage = page(() => import("../features/ledger/components/TransactionPage"), "TransactionPage");
const NotificationsPage = page(() => import("../features/notifications/components/NotificationsPage"), "NotificationsPage");
const UnsubscribePage = page(() => import("../features/notifications/components/UnsubscribePage"), "UnsubscribePage");
const ActivityPage = page(() => import("../features/platform/components/ActivityPage"), "ActivityPage");
const TenantsPage = page(() => import("../features/platform/components/TenantsPage"), "TenantsPage");
const SettingsPage = page(() => import("../features/tenant/components/SettingsPage"), "SettingsPage");
const AffiliateGroupCard = page(() => import("../features/groups/components/AffiliateGroupCard"), "AffiliateGroupCard");
const MyGroupCard = page(() => import("../features/groups/components/MyGroupCard"), "MyGroupCard");
const GroupFilter = page(() => import("../features/groups/components/GroupFilter"), "GroupFilter");
const GroupsPage = page(() => import("../features/groups/components/GroupsPage"), "GroupsPage");
const JoinPage = page(() => import("../features/recruiting/components/JoinPage"), "JoinPage");
const MemberTerms = page(() => import("../features/recruiting/components/MemberTerms"), "MemberTerms");
const RecruitingPage = page(() => import("../features/recruiting/components/RecruitingPage"), "RecruitingPage");
const UsersPage = page(() => import("../features/users/components/UsersPage"), "UsersPage");
const WebhooksPage = page(() => import("../features/webhooks/components/WebhooksPage"), "WebhooksPage");

function NotFound() {
  return (
    <div className="py-16 text-center">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <Link to="/" className="mt-4 inline-block text-brand">Go home</Link>
    </div>
  );
}

// the join page's older address, still in referral links shared before: /t/<slug>/join?ref=…
function OldJoinAddress() {
  const { slug = "" } = useParams();
  const { search } = useLocation();
  return <Navigate to={`/join/${encodeURIComponent(slug)}${search}`} replace />;
}

// what an affiliate gets on an approved product, on its page and in the marketplace's drawer:
// their link, and a post about it (the drawer and the page render them keyed by the product, so
// a form's state stays with its product)
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
      { path: "/t/:slug/join", element: <OldJoinAddress /> },
      { path: "/join/confirm", element: <ConfirmSignupPage /> },
      { path: "/join/:slug", element: <JoinPage /> },
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
      { path: "/app", element: <HomePage Checklist={OnboardingChecklist} /> },
      { path: "/app/notifications", element: <RequireAuth><NotificationsPage /></RequireAuth> },
      { path: "/app/profile", element: <ProfilePage /> },
      { path: "/app/earnings", element: <EarningsProofPage /> },
      { path: "/app/marketplace", element: <MarketplacePage Search={SearchResults} Similar={SimilarProducts} LinkCard={AffiliateCards} /> },
      { path: "/app/products", element: <RequireAuth roles={["vendor", "tenant_admin"]}><MyProductsPage /></RequireAuth> },
      { path: "/app/products/new", element: <RequireAuth roles={["vendor"]}><ProductEditorPage /></RequireAuth> },
      { path: "/app/products/:id", element: <ProductPage LinkCard={AffiliateCards} Similar={SimilarProducts} /> },
      { path: "/app/products/:id/edit", element: <RequireAuth roles={["vendor"]}><ProductEditorPage /></RequireAuth> },
      { path: "/app/vetting", element: <RequireAuth roles={["tenant_admin"]}><VettingPage /></RequireAuth> },
      { path: "/app/affiliates", element: <RequireAuth roles={["tenant_admin"]}><AffiliatesPage GroupFilter={GroupFilter} /></RequireAuth> },
      { path: "/app/affiliates/:id", element: <RequireAuth roles={["tenant_admin"]}><AffiliatePage Joined={MemberTerms} Group={AffiliateGroupCard} /></RequireAuth> },
      { path: "/app/groups", element: <RequireAuth roles={["tenant_admin"]}><GroupsPage /></RequireAuth> },
      { path: "/app/links", element: <RequireAuth roles={["affiliate", "tenant_admin"]}><LinksPage /></RequireAuth> },
      { path: "/app/content", element: <RequireAuth roles={["affiliate", "tenant_admin"]}><ContentGeneratorPage /></RequireAuth> },
      { path: "/app/dashboard", element: <RequireAuth roles={["affiliate", "vendor", "tenant_admin"]}><DashboardPage Recommended={RecommendedForYou} /></RequireAuth> },
      { path: "/app/sales", element: <RequireAuth roles={["vendor", "tenant_admin"]}><SalesPage KeysCard={ApiKeysCard} /></RequireAuth> },
      { path: "/app/sales/subscriptions/:id", element: <RequireAuth roles={["vendor", "tenant_admin"]}><SubscriptionPage /></RequireAuth> },
      { path: "/app/commissions", element: <RequireAuth roles={["affiliate", "tenant_admin"]}><CommissionsPage /></RequireAuth> },
      { path: "/app/payouts", element: <RequireAuth roles={["affiliate"]}><MyPayoutsPage Group={MyGroupCard} /></RequireAuth> },
      { path: "/app/payout-batches", element: <RequireAuth roles={["tenant_admin"]}><PayoutBatchesPage /></RequireAuth> },
      { path: "/app/fraud", element: <RequireAuth roles={["tenant_admin"]}><FraudQueuePage /></RequireAuth> },
      { path: "/app/ledger", element: <RequireAuth roles={["tenant_admin"]}><LedgerPage KeysCard={ApiKeysCard} /></RequireAuth> },
      { path: "/app/ledger/blocks/:height", element: <RequireAuth roles={["tenant_admin"]}><BlockPage /></RequireAuth> },
      { path: "/app/ledger/transactions/:id", element: <TransactionPage /> },
      { path: "/app/settings", element: <RequireAuth roles={["tenant_admin"]}><SettingsPage /></RequireAuth> },
      { path: "/app/recruiting", element: <RequireAuth roles={["tenant_admin"]}><RecruitingPage /></RequireAuth> },
      { path: "/app/users", element: <RequireAuth roles={["tenant_admin"]}><UsersPage /></RequireAuth> },
      { path: "/app/webhooks", element: <RequireAuth roles={["tenant_admin", "vendor"]}><WebhooksPage /></RequireAuth> },
      { path: "/platform/tenants", element: <RequireAuth roles={["platform_admin"]}><TenantsPage /></RequireAuth> },
      { path: "/platform/activity", element: <RequireAuth roles={["platform_admin"]}><ActivityPage /></RequireAuth> },
    ],
  },
]);
