import { setTimeout as delay } from 'node:timers/promises'
import { simOperation } from '@kokdala/sim-kit'
import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import type { KaspiSimContext } from '../context.ts'

const Params = Type.Object({ cameraId: Type.String({ maxLength: 200 }) })
const ScanQuery = Type.Object({ timeout: Type.Optional(Type.String({ maxLength: 16 })) })
const ScanAnswer = Type.Object({
  success: Type.Boolean(),
  qrData: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
})

/** The origin asks for 10 s; the simulator looks at most this long whatever it is asked. */
const MAX_SCAN_MS = 30_000
const DEFAULT_SCAN_MS = 10_000
/** How often the camera looks at the screen again while it waits for a QR. */
const LOOK_EVERY_MS = 25

/** The QR a terminal shows for a process: a Kaspi QR link naming the process, so tests can tell which it is. */
export function qrDataOf(processId: string): string {
  return `https://qr.kaspi.kz/p/${processId}`
}

/**
 * The camera service pointed at each terminal's screen (camera id = terminal id), under `/camera`:
 * `GET /camera/scan-qr/<cameraId>?timeout=<ms>` looks for a QR until the timeout and answers
 * `{"success":true,"qrData":"https://qr.kaspi.kz/…"}`, or `{"success":false,"error":…}` (404) when the screen shows
 * none; `HEAD /camera/capture/<cameraId>` says whether the camera exists.
 */
export function cameraRoutes(ctx: KaspiSimContext): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { cameraId: string }; Querystring: { timeout?: string } }>(
      '/camera/scan-qr/:cameraId',
      {
        config: simOperation('scanQr'),
        schema: { params: Params, querystring: ScanQuery, response: { 200: ScanAnswer, '4xx': ScanAnswer } },
      },
      async (request, reply) => {
        const terminal = ctx.store.terminal(request.params.cameraId)
        if (!terminal) return reply.code(404).send({ success: false, error: 'Camera not found' })
        const { timeout } = request.query
        if (timeout !== undefined && !/^\d{1,7}$/.test(timeout)) {
          return reply.code(400).send({ success: false, error: 'timeout must be milliseconds' })
        }
        const waitMs = Math.min(timeout === undefined ? DEFAULT_SCAN_MS : Number(timeout), MAX_SCAN_MS)
        const until = Date.now() + waitMs
        for (;;) {
          const shown = ctx.store.qrOnScreen(terminal)
          if (shown) return { success: true, qrData: qrDataOf(shown.processId) }
          if (Date.now() >= until || ctx.closing) break
          await delay(LOOK_EVERY_MS)
        }
        return reply.code(404).send({ success: false, error: 'QR code not found on the screen' })
      },
    )

    // The origin only sends `HEAD /capture/<id>` to see the camera is there; a GET (Fastify answers HEAD from it)
    // stands for the snapshot the real service would return.
    app.get<{ Params: { cameraId: string } }>(
      '/camera/capture/:cameraId',
      { config: simOperation('capture'), schema: { params: Params, response: { 200: ScanAnswer, '4xx': ScanAnswer } } },
      async (request, reply) => {
        if (!ctx.store.terminal(request.params.cameraId)) {
          return reply.code(404).send({ success: false, error: 'Camera not found' })
        }
        return { success: true }
      },
    )
  }
}
