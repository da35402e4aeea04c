export { countingDatabase } from './counting.ts'
export { openTestDatabase, type TestDataLocation, testDataLocation } from './database.ts'
export { findIncompatibilities, type OpenApiDocument } from './openapi-compat.ts'
export { startTestPlatform, type TestPlatform } from './platform.ts'
export { type ServiceProcessOptions, serviceProcess } from './service-process.ts'
export { eventually, freePort } from './waiting.ts'
export {
  type ProcessedWebhook,
  type ReferenceWebhookReceiver,
  type ReferenceWebhookReceiverOptions,
  startReferenceWebhookReceiver,
} from './webhook-receiver.ts'

/** A parsed response body in a test: read field by field and asserted on, so it is left untyped. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type UntypedJson = any

/**
 * One JSON request over real HTTP, as tests talk to a simulator: the status and the parsed body (if any).
 */
export async function fetchJson(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: UntypedJson }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, json: text ? JSON.parse(text) : undefined }
}
