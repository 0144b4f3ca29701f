// Who a payout batch made now would pay, and who it leaves out.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "../../../lib/api/client";
import { unwrap } from "../../../lib/api/problem";
import { payoutKeys } from "./keys";

export const getBatchPreview = async () => unwrap(await api.GET("/api/v1/payout-batches/preview"));

export const getBatchPreviewQueryOptions = () => queryOptions({ queryKey: payoutKeys.preview, queryFn: () => getBatchPreview() });

export const useBatchPreview = () => useQuery(getBatchPreviewQueryOptions());
