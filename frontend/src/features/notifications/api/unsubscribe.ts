// Stop the mail of one kind of notification, from the link in such a mail (no login).
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const unsubscribe = async (token: string) =>
  unwrap(await api.POST("/api/v1/public/notifications/unsubscribe", { params: { query: { token } } }));

export const useUnsubscribe = (config: MutationConfig<typeof unsubscribe> = {}) => useApiMutation(unsubscribe, config);
