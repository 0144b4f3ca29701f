// Log in; the answer is the session.
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation, type MutationConfig } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

export const login = async (body: Schemas["LoginRequest"]) => unwrap(await api.POST("/api/v1/auth/login", { body }));

export const useLogin = (config: MutationConfig<typeof login> = {}) => useApiMutation(login, config);
