// The join page's settings: terms versions, questions and the auto-approve rule.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../lib/api/client";
import { useApiMutation } from "../../../lib/api/mutation";
import { unwrap } from "../../../lib/api/problem";
import { recruitingKeys } from "./keys";

export const getTerms = async () => unwrap(await api.GET("/api/v1/recruiting/terms"));
export const useTerms = () => useQuery(queryOptions({ queryKey: recruitingKeys.terms, queryFn: getTerms }));
export const publishTerms = async (body: string) => unwrap(await api.POST("/api/v1/recruiting/terms", { body: { body } }));
export const usePublishTerms = () => useApiMutation(publishTerms, { invalidates: [recruitingKeys.terms] });

export const getQuestions = async () => unwrap(await api.GET("/api/v1/recruiting/questions"));
export const useQuestions = () => useQuery(queryOptions({ queryKey: recruitingKeys.questions, queryFn: getQuestions }));
export const saveQuestions = async (questions: Schemas["QuestionWrite"][]) =>
  unwrap(await api.PUT("/api/v1/recruiting/questions", { body: { questions } }));
export const useSaveQuestions = () => useApiMutation(saveQuestions, { invalidates: [recruitingKeys.questions] });

export const getRules = async () => unwrap(await api.GET("/api/v1/recruiting/rules"));
export const useRules = () => useQuery(queryOptions({ queryKey: recruitingKeys.rules, queryFn: getRules }));
export const saveRules = async (body: Schemas["RulesUpdate"]) => unwrap(await api.PUT("/api/v1/recruiting/rules", { body }));
export const useSaveRules = () => useApiMutation(saveRules, { invalidates: [recruitingKeys.rules] });
