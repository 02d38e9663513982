/**
 * The query of a request as axios writes it: with a `paramsSerializer`, axios's own `getUri`
 * (the serializer's output is what goes on the wire, so it is what the key sees). Shared by the
 * axios glue and the seed API (`createKey`, `request()`, `deleteUrl`, `hasUrl`), so both key a
 * request alike.
 */
import axios, { type AxiosRequestConfig } from 'axios';
import type { PlanInput } from './request-plan.js';

/** `input` with its `params` serialised into `url` when it has a `paramsSerializer`; else `input` itself. */
export function withSerializedQuery<T extends PlanInput>(input: T): T {
  const serializer = input.paramsSerializer;
  if (serializer === undefined || serializer === null || input.params === undefined) return input;
  return {
    ...input,
    url: axios.getUri(input as unknown as AxiosRequestConfig),
    baseURL: undefined,
    params: undefined,
  };
}
