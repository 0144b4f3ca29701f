import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export const userKeys = {
  all: ["users"] as const,
  list: (q: string) => ["users", "list", q] as const,
  invitations: ["invitations"] as const,
};

export const fetchUsers = async (q: string, cursor: string | null) =>
  unwrap(await api.GET("/api/v1/users", { params: { query: { q: q || undefined, cursor: cursor ?? undefined, limit: 50 } } }));

export const updateUser = async ({ id, ...body }: { id: string } & Schemas["UserUpdate"]) =>
  unwrap(await api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body }));

export const fetchInvitations = async (cursor: string | null) =>
  unwrap(await api.GET("/api/v1/invitations", { params: { query: { cursor: cursor ?? undefined, limit: 50 } } }));

export const createInvitation = async (body: Schemas["InvitationCreate"]) => unwrap(await api.POST("/api/v1/invitations", { body }));

export const revokeInvitation = async (id: string) =>
  unwrap(await api.DELETE("/api/v1/invitations/{invitation_id}", { params: { path: { invitation_id: id } } }));
