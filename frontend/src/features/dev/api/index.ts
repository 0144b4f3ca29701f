import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export const mailboxQuery = () => ({
  queryKey: ["dev", "mailbox"] as const,
  queryFn: async () => unwrap(await api.GET("/api/v1/dev/mailbox")),
  retry: false,
});
