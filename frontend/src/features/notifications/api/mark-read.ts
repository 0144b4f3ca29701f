// Mark notifications read: those given, or every unread one.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { notificationKeys } from "./keys";

export const markRead = async (ids: number[] | null) =>
  unwrap(await api.POST("/api/v1/notifications/read", { body: ids ? { ids } : {} }));

export const useMarkRead = (config: MutationConfig<typeof markRead> = {}) =>
  useApiMutation(markRead, { invalidates: [notificationKeys.all], ...config });
