// Remove the organisation's logo.
import { api } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const removeLogo = async () => unwrap(await api.DELETE("/api/v1/tenant/logo"));

export const useRemoveLogo = (config: MutationConfig<typeof removeLogo> = {}) => useApiMutation(removeLogo, config);
