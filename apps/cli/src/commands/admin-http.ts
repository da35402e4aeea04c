/**
 * A service's admin API over HTTP, as the `kokdala <service> …` commands reach it (the service may hold its PGlite
 * data folder, so the CLI never opens a database itself): one request with the admin bearer token, its JSON read.
 * Each service's client unwraps its own envelope.
 */
export interface AdminTarget {
  url: string
  token: string
  fetch?: typeof fetch
}

export type Options = Record<string, string | true>

// biome-ignore lint/suspicious/noExplicitAny: JSON read field by field for printing
export type Json = any

/** One admin request; a body that is not JSON is an Error naming the status and the start of the text. */
export async function adminRequest(
  target: AdminTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ ok: boolean; status: number; json: Json; text: string }> {
  const response = await (target.fetch ?? fetch)(`${target.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${target.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  try {
    return { ok: response.ok, status: response.status, json: JSON.parse(text), text }
  } catch {
    throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`)
  }
}
