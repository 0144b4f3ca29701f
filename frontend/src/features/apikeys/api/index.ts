import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export const apiKeyKeys = { all: ["api-keys"] as const };

export const fetchApiKeys = async () => unwrap(await api.GET("/api/v1/api-keys"));

export const createApiKey = async (body: Schemas["ApiKeyCreate"]) => unwrap(await api.POST("/api/v1/api-keys", { body }));

export const revokeApiKey = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/api-keys/{key_id}", { params: { path: { key_id: id } } }));
