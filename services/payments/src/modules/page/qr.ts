import QRCode from 'qrcode'

/** A QR code holds at most ~2 KB in byte mode at level M; a Kaspi QR link is a few dozen characters. */
const MAX_QR_TEXT = 1_000

/**
 * The Kaspi QR link as an SVG image in a `data:` URL, drawn on the server (no script, no CDN; the CSP allows
 * `img-src data:`). An `<img>` rather than inline SVG: the markup stays escaped by construction. Undefined when the
 * text cannot be a QR code, and the page then offers the link alone.
 */
export async function qrImage(text: string): Promise<string | undefined> {
  if (text.length === 0 || text.length > MAX_QR_TEXT) return undefined
  try {
    const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
  } catch {
    return undefined
  }
}
