// Change the channel of some kinds of notification.
import { api } from "../../../lib/api/client";
import type { Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { notificationKeys } from "./keys";

export type Channels = Schemas["PreferencesUpdate"]["channels"];

export const updatePreferences = async (channels: Channels) =>
  unwrap(await api.PUT("/api/v1/notifications/preferences", { body: { channels } }));

export const useUpdatePreferences = (config: MutationConfig<typeof updatePreferences> = {}) =>
  useApiMutation(updatePreferences, { invalidates: [notificationKeys.preferences], ...config });
