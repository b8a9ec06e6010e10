// The HTTP half of the API layer: one fetch wrapper that adds the access token, refreshes it once on
// 401, and turns the server's `{"error": {code, message, field?, request_id}}` body into an ApiError.
import { session } from "./session";

/** An error answered by the server (or a network failure, with code `network`). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field?: string;
  readonly requestId?: string;
  constructor(code: string, message: string, status: number, field?: string, requestId?: string) {
    super(message);
    this.code = code;
    this.status = status;
    this.field = field;
    this.requestId = requestId;
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no Authorization header (sign-in calls). */
  anonymous?: boolean;
  query?: Record<string, string | number | undefined | null>;
}

/** Base URL of the API; empty means same origin (the server serves the client). */
export let apiBase = "";
export function setApiBase(base: string): void {
  apiBase = base.replace(/\/$/, "");
}

export function buildUrl(path: string, query?: RequestOptions["query"]): string {
  let url = apiBase + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes("?") ? "&" : "?") + qs;
  }
  return url;
}

async function toError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  const e = (body as { error?: { code?: string; message?: string; field?: string; request_id?: string } } | null)?.error;
  if (e && typeof e.code === "string") {
    return new ApiError(e.code, e.message ?? e.code, res.status, e.field, e.request_id);
  }
  return new ApiError(res.status === 404 ? "not_found" : "http_" + res.status, res.statusText || "Request failed.", res.status);
}

async function send(path: string, opts: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (token && !opts.anonymous) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(buildUrl(path, opts.query), {
      method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
      headers,
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch (err) {
    throw new ApiError("network", err instanceof Error ? err.message : "Network error.", 0);
  }
}

/** Calls the API and parses JSON; refreshes the access token once when it has expired. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  let token = opts.anonymous ? null : await session.accessToken();
  let res = await send(path, opts, token);
  if (res.status === 401 && !opts.anonymous && session.hasRefresh()) {
    token = await session.refresh();
    if (token) res = await send(path, opts, token);
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
