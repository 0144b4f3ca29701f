// The organisation's getting-started checklist, and putting it away.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { useApiMutation } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";

const onboardingKey = ["onboarding"] as const;

export const getOnboarding = async () => unwrap(await api.GET("/api/v1/tenant/onboarding"));

// read afresh on every visit home: the steps are done on other pages, by other people too
export const useOnboarding = () =>
  useQuery(queryOptions({ queryKey: onboardingKey, queryFn: () => getOnboarding(), staleTime: 0 }));

export const dismissOnboarding = async () => unwrap(await api.POST("/api/v1/tenant/onboarding/dismiss"));

export const useDismissOnboarding = () => useApiMutation(dismissOnboarding, { invalidates: [onboardingKey] });
