// `kokdala fiscal install-timer`: the systemd units the seed's install script wrote, now running the CLI's refresh
// (which goes through the service's single-flight path instead of logging in beside it).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Options } from './admin-http.ts'

export const FISCAL_TIMER_HELP = `  kokdala fiscal install-timer [--dir /etc/systemd/system] [--at 05:00] [--timezone Asia/Almaty] [--env-file F]
                                                 write the systemd .service and .timer running "kokdala fiscal token refresh" daily
`

export const TIMER_UNIT_NAME = 'kokdala-fiscal-token-refresh'

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/

/** A systemd command-line word: quoted when it holds anything but plain path characters. */
function word(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `"${text.replace(/(["\\])/g, '\\$1')}"`
}

function stringOption(options: Options, name: string, fallback: string): string {
  const value = options[name]
  if (value === undefined) return fallback
  if (value === true || value === '') throw new Error(`--${name} needs a value`)
  return value
}

export interface TimerUnits {
  service: string
  timer: string
}

/** The two units' text: a oneshot service running the refresh, and its daily timer with a random delay. */
export function timerUnits(input: { at: string; timeZone: string; envFile: string; command: string[] }): TimerUnits {
  const service = `[Unit]
Description=Kokdala fiscal: refresh the Webkassa session token through the fiscal service
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
# FISCAL_ADMIN_TOKEN (or FISCAL_ADMIN_TOKEN_FILE) and FISCAL_URL; no Webkassa secret is needed here.
EnvironmentFile=-${input.envFile}
ExecStart=${input.command.map(word).join(' ')}
`
  const timer = `[Unit]
Description=Kokdala fiscal: daily Webkassa token refresh at ${input.at} ${input.timeZone}

[Timer]
OnCalendar=*-*-* ${input.at}:00 ${input.timeZone}
RandomizedDelaySec=30min
Persistent=true
Unit=${TIMER_UNIT_NAME}.service

[Install]
WantedBy=timers.target
`
  return { service, timer }
}

/** Writes the units into `--dir` and prints their paths, their text and how to enable them. */
export async function installTimer(
  options: Options,
  out: NodeJS.WritableStream = process.stdout,
  env: Record<string, string | undefined> = process.env,
): Promise<TimerUnits & { paths: string[] }> {
  const dir = stringOption(options, 'dir', '/etc/systemd/system')
  const at = stringOption(options, 'at', env.FISCAL_TOKEN_REFRESH_AT ?? '05:00')
  if (!TIME_OF_DAY.test(at)) throw new Error(`--at must be HH:MM (24-hour), got ${at}`)
  const timeZone = stringOption(options, 'timezone', env.FISCAL_TIMEZONE ?? 'Asia/Almaty')
  try {
    new Intl.DateTimeFormat('en', { timeZone })
  } catch {
    throw new Error(`--timezone is not a known time zone: ${timeZone}`)
  }
  const envFile = stringOption(options, 'env-file', '/etc/kokdala/fiscal.env')
  const main = fileURLToPath(new URL('../main.ts', import.meta.url))
  const units = timerUnits({ at, timeZone, envFile, command: [process.execPath, main, 'fiscal', 'token', 'refresh'] })
  await mkdir(dir, { recursive: true })
  const paths = [join(dir, `${TIMER_UNIT_NAME}.service`), join(dir, `${TIMER_UNIT_NAME}.timer`)]
  await writeFile(paths[0] as string, units.service)
  await writeFile(paths[1] as string, units.timer)
  out.write(`wrote ${paths[0]}:\n\n${units.service}\nwrote ${paths[1]}:\n\n${units.timer}\n`)
  out.write(
    `Enable it with:\n  systemctl daemon-reload && systemctl enable --now ${TIMER_UNIT_NAME}.timer\n` +
      `and set FISCAL_TOKEN_SCHEDULED_REFRESH=false for the service, so the timer is the only schedule.\n`,
  )
  return { ...units, paths }
}
