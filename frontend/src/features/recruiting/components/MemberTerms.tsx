// On an affiliate's record (injected by the router): the terms version they accepted on the join
// page and when, or that they joined another way.
import { formatDate } from "../../../lib/format";
import { useMemberApplication } from "../api/get-member-application";

export function MemberTerms({ userId }: { userId: string }) {
  const application = useMemberApplication(userId);
  if (application.isPending) return null;
  const a = application.data;
  return (
    <p className="text-sm text-slate-600" data-testid="member-terms">
      {!a
        ? "Joined without an application on the join page."
        : a.terms_version && a.terms_accepted_at
          ? `Joined through the join page; accepted the programme terms (version ${a.terms_version}) on ${formatDate(a.terms_accepted_at)}.`
          : "Joined through the join page (no terms were published then)."}
    </p>
  );
}
