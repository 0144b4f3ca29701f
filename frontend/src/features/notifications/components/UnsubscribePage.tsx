// The page an unsubscribe link in a notification mail opens: it stops that kind's mail at once
// (the notifications stay in the app) and says so.
import { useEffect } from "react";
import { Link, useSearchParams } from "react-router";
import { Card, ErrorState, Loading } from "../../../components/ui";
import { useUnsubscribe } from "../api/unsubscribe";

export function UnsubscribePage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { mutate, data, problem, isPending } = useUnsubscribe();
  useEffect(() => {
    if (token) mutate(token);
  }, [token, mutate]);
  return (
    <div className="mx-auto max-w-lg p-6">
      <Card level={1} title="Notification mail">
        {isPending && <Loading />}
        {data && (
          <p data-testid="unsubscribed">
            You will no longer get mail for: <strong>{data.label.toLowerCase()}</strong>. You will still see it in the app,
            and can change this on your <Link className="underline" to="/app/notifications">notifications page</Link>.
          </p>
        )}
        {(problem || !token) && <ErrorState problem={problem ?? { title: "Invalid link", detail: "This unsubscribe link is not valid.", status: 400, fieldErrors: {} }} />}
      </Card>
    </div>
  );
}
