import {
  ConnectorError,
  connectorErrorFromOutbound,
  createHttpTarget,
  type HttpResult,
  OutboundError,
} from '@kokdala/core'
import type { CameraScanAnswer } from './wire.ts'

/** Names the camera service in connector errors and outbound metrics. */
export const CAMERA_CONNECTOR = 'kaspi-camera'

/**
 * Gets the QR of a started payment. The terminal's API never returns it (it is on the screen), so how it is read is
 * an implementation: the origin's camera service, or a test double.
 */
export interface QrReader {
  /**
   * The QR's URL (`https://qr.kaspi.kz/…`); rejects with a ConnectorError when there is none to read. A camera
   * cannot tell which process a QR belongs to (it reads whatever the screen shows): `processId` is for readers that
   * can, and for logs; the caller makes sure the terminal shows only its payment (the lease).
   */
  readQr(input: { cameraId: string; processId: string }): Promise<string>
}

export interface CameraQrReaderOptions {
  /** The camera service, e.g. `http://camera-host:3000` or `http://127.0.0.1:9003/camera` (the simulator). */
  baseUrl: string
  /** How long the camera looks for a QR (`?timeout=`); default 10 s, as the origin asks. */
  scanTimeoutMs?: number
  /** How long we wait for its answer; default the scan timeout plus 2 s. */
  timeoutMs?: number
}

export interface CameraQrReader extends QrReader {
  /** `HEAD /capture/<cameraId>`: whether the camera answers. */
  capture(cameraId: string): Promise<boolean>
  close(): Promise<void>
}

function unusable(operation: string, result: HttpResult, why: string): ConnectorError {
  return new ConnectorError(
    { connector: CAMERA_CONNECTOR, operation, kind: 'protocol', status: result.status },
    `${CAMERA_CONNECTOR} ${operation}: ${why}`,
  )
}

/**
 * The origin's camera service pointed at the terminal's screen: `GET <baseUrl>/scan-qr/<cameraId>?timeout=…` →
 * `{"success":true,"qrData":"https://qr.kaspi.kz/…"}`. A camera that sees no QR is a `rejected` ConnectorError;
 * no answer is `timeout`/`unavailable`; a body we cannot read is `protocol`.
 */
export function createCameraQrReader(options: CameraQrReaderOptions): CameraQrReader {
  const scanTimeoutMs = options.scanTimeoutMs ?? 10_000
  const http = createHttpTarget({
    name: CAMERA_CONNECTOR,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs ?? scanTimeoutMs + 2_000,
    // A scan is slow and the camera is one device: a retry would only queue behind the first.
    retries: 0,
    connections: 4,
  })

  async function send(operation: string, method: 'GET' | 'HEAD', path: string, query?: Record<string, number>) {
    try {
      // Core's HttpCall lists no HEAD (no other partner needs it); undici sends whatever method it is given.
      return await http.call(operation, { method: method as 'GET', path, query })
    } catch (error) {
      if (error instanceof OutboundError) throw connectorErrorFromOutbound(error)
      throw error
    }
  }

  return {
    async readQr({ cameraId }) {
      const path = `/scan-qr/${encodeURIComponent(cameraId)}`
      const result = await send('scanQr', 'GET', path, { timeout: scanTimeoutMs })
      let answer: Partial<CameraScanAnswer> | undefined
      try {
        const body = result.json()
        answer = body !== null && typeof body === 'object' ? (body as Partial<CameraScanAnswer>) : undefined
      } catch {
        answer = undefined
      }
      if (result.status >= 500) {
        throw new ConnectorError(
          { connector: CAMERA_CONNECTOR, operation: 'scanQr', kind: 'unavailable', status: result.status },
          `${CAMERA_CONNECTOR} scanQr: HTTP ${result.status}`,
        )
      }
      if (!answer) throw unusable('scanQr', result, 'answer is not a JSON object')
      if (answer.success !== true) {
        const why = typeof answer.error === 'string' && answer.error !== '' ? answer.error.slice(0, 200) : 'no QR'
        throw new ConnectorError(
          { connector: CAMERA_CONNECTOR, operation: 'scanQr', kind: 'rejected', status: result.status },
          `${CAMERA_CONNECTOR} scanQr: ${why}`,
        )
      }
      if (typeof answer.qrData !== 'string' || !/^https?:\/\/\S+$/.test(answer.qrData)) {
        throw unusable('scanQr', result, 'qrData is not a URL')
      }
      return answer.qrData
    },
    async capture(cameraId) {
      try {
        const result = await send('capture', 'HEAD', `/capture/${encodeURIComponent(cameraId)}`)
        return result.status >= 200 && result.status < 300
      } catch (error) {
        if (error instanceof ConnectorError) return false
        throw error
      }
    },
    close: () => http.close(),
  }
}

/**
 * The link a phone opens to pay the QR's payment: the QR's `https://qr.kaspi.kz/<path>` becomes
 * `https://pay.kaspi.kz/pay/<path>` (as the origin makes `payment_url`). Other URLs are returned unchanged.
 */
export function toPaymentUrl(qr: string): string {
  let url: URL
  try {
    url = new URL(qr)
  } catch {
    return qr
  }
  if (url.hostname !== 'qr.kaspi.kz') return qr
  return `https://pay.kaspi.kz/pay${url.pathname === '/' ? '' : url.pathname}${url.search}`
}
