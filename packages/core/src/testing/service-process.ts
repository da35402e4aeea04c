import { type ChildProcess, spawn } from 'node:child_process'
import { eventually } from './waiting.ts'

export interface ServiceProcessOptions {
  /** The service as `kokdala serve` names it. */
  service: string
  /** The repository's root (where `apps/cli/src/main.ts` is). */
  cwd: string
  env: Record<string, string>
  /** Whether the started process answers yet (its health or a public route). */
  ready: () => Promise<boolean>
}

/**
 * One service as a real OS process (`kokdala serve <service>`) that a test can kill with SIGKILL and start again:
 * what crash tests need, since a process killed in the middle of its work is not something an in-process app shows.
 */
export function serviceProcess({ service, cwd, env, ready }: ServiceProcessOptions) {
  let child: ChildProcess | undefined
  let output = ''
  return {
    /** The running (or last) process. */
    get child() {
      return child
    },
    /** What the current process printed so far. */
    get output() {
      return output
    },
    /** Starts the service and waits until `ready`, failing with its output if it exits first. */
    async start(): Promise<void> {
      output = ''
      const started = spawn(process.execPath, ['apps/cli/src/main.ts', 'serve', service], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      started.stdout?.on('data', (chunk) => {
        output += chunk
      })
      started.stderr?.on('data', (chunk) => {
        output += chunk
      })
      child = started
      await eventually(
        async () => {
          if (started.exitCode !== null) throw new Error(`${service} exited ${started.exitCode}:\n${output}`)
          return ready().catch(() => false)
        },
        60_000,
        `${service} listening`,
      )
    },
    /** SIGKILL, and waits until the process is gone; nothing when it is not running. */
    async kill(): Promise<void> {
      const running = child
      if (!running || running.exitCode !== null || running.signalCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
  }
}
