// Auth operations: each returns the API's data or throws an ApiError with the problem.
import { api, type Schemas } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";

export const signupOrganisation = async (body: Schemas["SignupRequest"]) =>
  unwrap(await api.POST("/api/v1/auth/signup", { body }));

export const login = async (body: Schemas["LoginRequest"]) => unwrap(await api.POST("/api/v1/auth/login", { body }));

export const signupAffiliate = async (slug: string, body: Schemas["AffiliateSignupRequest"]) =>
  unwrap(await api.POST("/api/v1/public/tenants/{slug}/affiliates", { params: { path: { slug } }, body }));

export const invitationQuery = (token: string) => ({
  queryKey: ["invitation", token] as const,
  queryFn: async () => unwrap(await api.GET("/api/v1/public/invitations/{token}", { params: { path: { token } } })),
  retry: false,
});

export const acceptInvitation = async (token: string, body: Schemas["AcceptInvitationRequest"]) =>
  unwrap(await api.POST("/api/v1/public/invitations/{token}/accept", { params: { path: { token } }, body }));

export const requestPasswordReset = async (body: Schemas["PasswordResetRequest"]) =>
  unwrap(await api.POST("/api/v1/auth/password-reset/request", { body }));

export const confirmPasswordReset = async (body: Schemas["PasswordResetConfirm"]) =>
  unwrap(await api.POST("/api/v1/auth/password-reset/confirm", { body }));

export const changePassword = async (body: Schemas["ChangePasswordRequest"]) =>
  unwrap(await api.POST("/api/v1/me/password", { body }));

export const updateProfile = async (body: Schemas["ProfileUpdate"]) => unwrap(await api.PATCH("/api/v1/me", { body }));

export const publicTenantQuery = (slug: string) => ({
  queryKey: ["public-tenant", slug] as const,
  queryFn: async () => unwrap(await api.GET("/api/v1/public/tenants/{slug}", { params: { path: { slug } } })),
  retry: false,
});
