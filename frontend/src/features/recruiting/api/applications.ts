// The applications queue: list by status, approve, reject with a reason.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { recruitingKeys } from "./keys";

export type ApplicationFilter = Schemas["ApplicationStatus"] | "all";

export const getApplications = async (status: ApplicationFilter) =>
  unwrap(
    await api.GET("/api/v1/recruiting/applications", {
      params: { query: { limit: 200, ...(status === "all" ? {} : { status }) } },
    }),
  );

export const getApplicationsQueryOptions = (status: ApplicationFilter) =>
  queryOptions({ queryKey: recruitingKeys.applications(status), queryFn: () => getApplications(status) });

export const useApplications = (status: ApplicationFilter) => useQuery(getApplicationsQueryOptions(status));

export const approveApplication = async (id: string) =>
  unwrap(await api.POST("/api/v1/recruiting/applications/{application_id}/approve", { params: { path: { application_id: id } } }));

export const useApproveApplication = () =>
  useApiMutation(approveApplication, { invalidates: [recruitingKeys.all] });

export const rejectApplication = async ({ id, reason }: { id: string; reason: string }) =>
  unwrap(
    await api.POST("/api/v1/recruiting/applications/{application_id}/reject", {
      params: { path: { application_id: id } },
      body: { reason },
    }),
  );

export const useRejectApplication = () =>
  useApiMutation(rejectApplication, { invalidates: [recruitingKeys.all] });
