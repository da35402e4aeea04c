import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every common Linux). */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

const hasSchedstat = (() => {
  try {
    readFileSync('/proc/self/schedstat')
    return true
  } catch {
    return false
  }
})()

/**
 * CPU time process `pid` has used so far, in microseconds (Linux only). On a shared machine requests/s swing with
 * the neighbours' load; CPU per request much less, so benchmarks compare processes by it too. Read from each
 * thread's /proc/<pid>/task/<tid>/schedstat (nanoseconds; Node's GC and I/O helper threads included), or from
 * utime + stime of /proc/<pid>/stat (10 ms ticks) where schedstat is missing.
 */
export function cpuMicros(pid: number): number {
  if (hasSchedstat) {
    let nanoseconds = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        nanoseconds += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      } catch {} // a thread that ended meanwhile
    }
    return nanoseconds / 1000
  } else {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields from after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / ticksPerSecond // utime, stime: fields 14, 15
  }
}
