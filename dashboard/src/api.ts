/**
 * The page's way to the API: the project's typed client (clients/typescript), so what the page sends and reads is typed
 * by the OpenAPI document. `ok` turns a refusal into an ApiError carrying the API's own message.
 */
import { createInventoryClient, type ApiError as ErrorBody, type InventoryClient } from '../../clients/typescript';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let client: InventoryClient | undefined;
let onUnauthorized: () => void = () => undefined;

/** Points the page at the API, with a function giving the current token and what to do when it is refused (401). */
export function connect(apiBase: string, token: () => string | undefined, unauthorized: () => void): void {
  client = createInventoryClient({ baseUrl: apiBase || window.location.origin, token });
  onUnauthorized = unauthorized;
}

export const api = (): InventoryClient => {
  if (!client) throw new Error('The page is not connected to the API yet.');
  return client;
};

/** The answer's data, or an ApiError with the API's message and the issues it names. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  if (response.status === 401) onUnauthorized();
  const body = (error ?? {}) as Partial<ErrorBody> & { message?: string };
  const issues = (body.error?.issues ?? []) as { path: string; message: string }[];
  const message = body.error?.message ?? body.message ?? `HTTP ${response.status}`;
  throw new ApiError(`${message}${issues.length ? ` (${issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : ''}`, response.status);
}
