import { PassThrough } from 'node:stream'

/** A writable stream for a command's output, and what has been written to it so far. */
export function output() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk) => {
    text += chunk
  })
  return { stream, text: () => text }
}

/** Runs one command writing to `out` and answers what it printed. */
export async function printed(command: (out: NodeJS.WritableStream) => Promise<unknown>): Promise<string> {
  const out = output()
  await command(out.stream)
  return out.text()
}
