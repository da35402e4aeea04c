import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { intOption, parseArgs } from './args.ts'
import { FISCAL_TIMER_HELP, installTimer } from './commands/fiscal-timer.ts'
import { FISCAL_TOKEN_HELP, fiscalToken } from './commands/fiscal-token.ts'
import { TOKENS_HELP, tokens } from './commands/payments-sources.ts'
import { reconcilePayments, TERMINALS_HELP, terminals } from './commands/payments-terminals.ts'
import { WEBHOOKS_HELP, webhooks } from './commands/payments-webhooks.ts'
import { reconcile } from './commands/reconcile.ts'
import { seed } from './commands/seed.ts'
import { serve } from './commands/serve.ts'
import { start } from './commands/start.ts'

const HELP = `kokdala — run, seed and measure the Kokdala platform

  kokdala start [--only a,b]               simulators + every service on PGlite (or DATABASE_URL), demo data, URLs
  kokdala serve <service> [--workers N] [--profile hackload]
                                           one service or simulator; N processes over one PostgreSQL (DATABASE_URL);
                                           a profile's defaults (hackload: the contract's public reset)
  kokdala seed [service] [--users N] [--archive N]
                                           (re)load a service's data set (tickets); PostgreSQL via COPY with DATABASE_URL
  kokdala reconcile                        compare event 1's seats and orders with the Event Provider; exit 1 on any difference
  kokdala bench <name> [args…]             run bench/<name>.ts (see bench/RESULTS.md)
${TOKENS_HELP}${TERMINALS_HELP}${WEBHOOKS_HELP}${FISCAL_TOKEN_HELP}${FISCAL_TIMER_HELP}`

async function main(argv: string[]) {
  const { positional, options } = parseArgs(argv)
  const [command, ...rest] = positional
  switch (command) {
    case 'start':
      return start(typeof options.only === 'string' ? options.only.split(',') : undefined)
    case 'serve':
      return serve(
        rest[0],
        intOption(options, 'workers', 1),
        typeof options.profile === 'string' ? options.profile : undefined,
      )
    case 'seed': {
      const sizes: Record<string, number> = {}
      for (const name of ['users', 'archive'])
        if (options[name] !== undefined) sizes[name] = intOption(options, name, 0)
      return seed(rest[0], sizes)
    }
    case 'reconcile':
      await reconcile()
      return
    case 'payments':
      switch (rest[0]) {
        case 'token':
          return tokens(rest.slice(1), options)
        case 'terminals':
          return terminals(rest.slice(1), options)
        case 'reconcile':
          await reconcilePayments(options)
          return
        case 'webhooks':
          return webhooks(rest.slice(1), options)
        default:
          throw new Error(`usage:\n${TOKENS_HELP}${TERMINALS_HELP}${WEBHOOKS_HELP}`)
      }
    case 'fiscal':
      switch (rest[0]) {
        case 'token':
          return fiscalToken(rest.slice(1), options)
        case 'install-timer':
          await installTimer(options)
          return
        default:
          throw new Error(`usage:\n${FISCAL_TOKEN_HELP}${FISCAL_TIMER_HELP}`)
      }
    case 'bench': {
      const script = fileURLToPath(new URL(`../../../bench/${rest[0]}.ts`, import.meta.url))
      if (!rest[0] || !existsSync(script)) throw new Error(`no benchmark ${JSON.stringify(rest[0])} in bench/`)
      const child = spawn(process.execPath, [script, ...argv.slice(argv.indexOf(rest[0]) + 1)], { stdio: 'inherit' })
      const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)))
      process.exitCode = code
      return
    }
    default:
      process.stdout.write(HELP)
      if (command && command !== 'help') process.exitCode = 2
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`kokdala: ${error.message}\n`)
  process.exit(1)
})
