// Where visitors land when a link cannot take them to its product: the organisation's page for a
// paused or withdrawn offer, and a plain page for a link that does not exist. Never an error.
import { Link, useParams } from "react-router";
import { apiUrl } from "../../../lib/api/base";
import { usePublicTenant } from "../../../lib/branding/get-public-tenant";

export function OfferUnavailablePage() {
  const { slug = "" } = useParams();
  const tenant = usePublicTenant(slug);
  const name = tenant.data?.display_name;
  return (
    <div className="mx-auto max-w-xl py-16 text-center" data-testid="offer-unavailable">
      {tenant.data?.logo_url && <img src={apiUrl(tenant.data.logo_url)} alt={`${name} logo`} className="mx-auto mb-6 h-14" />}
      <h1 className="text-2xl font-bold">This offer is no longer available</h1>
      <p className="mt-3 text-slate-600">
        The link you followed{name ? ` from ${name}` : ""} has been paused or the product withdrawn. Nothing is wrong on your side.
      </p>
      <Link to="/" className="mt-6 inline-block text-brand underline">Go to the home page</Link>
    </div>
  );
}

export function LinkNotFoundPage() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center" data-testid="link-not-found">
      <h1 className="text-2xl font-bold">This link does not lead anywhere</h1>
      <p className="mt-3 text-slate-600">Check that you copied the whole address. If it came from a site or an email, its owner may have removed it.</p>
      <Link to="/" className="mt-6 inline-block text-brand underline">Go to the home page</Link>
    </div>
  );
}
