/** A progress line for long work: a bar on a terminal, a line every 10 % otherwise (CI logs stay short). */
export function createProgress(label: string, total: number, out: NodeJS.WriteStream = process.stderr) {
  const started = Date.now()
  let lastDecile = -1
  return {
    update(done: number) {
      const fraction = total > 0 ? Math.min(1, done / total) : 1
      const seconds = (Date.now() - started) / 1000
      const rate = seconds > 0 ? Math.round(done / seconds) : 0
      const text = `${label} ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${rate.toLocaleString('en')} rows/s`
      if (out.isTTY) {
        const width = 30
        const filled = Math.round(fraction * width)
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${text}   `)
        if (done >= total) out.write('\n')
        return
      }
      const decile = Math.floor(fraction * 10)
      if (decile !== lastDecile) {
        lastDecile = decile
        out.write(`${Math.round(fraction * 100)}% ${text}\n`)
      }
    },
  }
}

/** A seeding progress callback (label, done, total) that keeps one bar per label. */
export function progressBars(prefix = '', out: NodeJS.WriteStream = process.stderr) {
  const bars = new Map<string, ReturnType<typeof createProgress>>()
  return (label: string, done: number, total: number) => {
    const bar = bars.get(label) ?? createProgress(`${prefix}${label}`, total, out)
    bars.set(label, bar)
    bar.update(done)
  }
}
