import { existsSync, mkdirSync } from 'node:fs'
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core'

/** Debian's Chromium (the only browser installable offline), or the one `CHROMIUM_PATH` names. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Why browser tests are skipped here (for `describe(…, { skip: chromiumUnavailable })`), or false when they run.
 * CI installs Chromium (.ci/run) and must run them; elsewhere they run when Debian's chromium is present.
 */
export const chromiumUnavailable: string | false =
  !process.env.CI && !existsSync(CHROMIUM_PATH) && `no Chromium at ${CHROMIUM_PATH}`

/** Headless Chromium as every browser test drives it: no sandbox (containers), no GPU, no calls home. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
}

/** A page in its own browser context, with what went wrong in it collected as it happens. */
export interface BrowserPage {
  page: Page
  /** The console's Content-Security-Policy complaints. */
  cspViolations: string[]
  /** The CSP complaints and the page's own uncaught errors, in the order they came. */
  problems: string[]
  /** Closes the page's context. */
  close: () => Promise<void>
}

/**
 * A page in a fresh context whose browser language is English unless `options` says otherwise (so Russian comes
 * from the page, not the browser), collecting CSP complaints and page errors: a test asserts there are none.
 */
export async function openBrowserPage(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserPage> {
  const context = await browser.newContext({ locale: 'en-US', ...options })
  const page = await context.newPage()
  const cspViolations: string[] = []
  const problems: string[] = []
  page.on('console', (message) => {
    if (!/Content Security Policy/i.test(message.text())) return
    cspViolations.push(message.text())
    problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  return { page, cspViolations, problems, close: () => context.close() }
}

// The README's screenshots, at the repository root.
const SCREENS = new URL('../../../docs/screens/', import.meta.url)

/** Writes `docs/screens/<name>.png` when `WRITE_SCREENS=1`; ordinary runs leave the work tree alone. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.WRITE_SCREENS) return
  mkdirSync(SCREENS, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, SCREENS).pathname, fullPage: true })
}
