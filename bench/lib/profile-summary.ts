/**
 * Summarises a V8 CPU profile (`--cpu-prof`) by where the time was spent: self time per package (or per file of
 * ours, or per Node internal area) and the heaviest functions, as shares of all samples. Used to find where the
 * events list's CPU goes (bench/EVENTS-LIST-COST.md):
 *
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- events-list --runs 1
 *   npx node bench/lib/profile-summary.ts /tmp/prof/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

/** `fastify`, `@fastify/ajv-compiler`, `core/http.ts`, `node:_http_server`, `(idle)`, … */
function areaOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'native'})`
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/')
    return first.startsWith('@') ? `${first}/${second}` : first
  }
  if (url.startsWith('node:')) return url
  const ours = /\/(packages|services|apps|bench)\/(.+)$/.exec(url)
  return ours ? `${ours[1]}/${ours[2]}` : url
}

const [file, topArg] = process.argv.slice(2)
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfSamples = new Map<number, number>()
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1)

const areas = new Map<string, number>()
const functions = new Map<string, number>()
let busy = 0
for (const [id, count] of selfSamples) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  // Waiting for I/O, and V8's bookkeeping outside any function: not time a request spent.
  if (!url && (functionName === '(idle)' || functionName === '(program)')) continue
  const area = areaOf(url, functionName)
  busy += count
  areas.set(area, (areas.get(area) ?? 0) + count)
  const name = `${functionName || '(anonymous)'} ${area}:${lineNumber + 1}`
  functions.set(name, (functions.get(name) ?? 0) + count)
}

const top = Number(topArg ?? 25)
const share = (count: number) => `${((count / busy) * 100).toFixed(1).padStart(5)} %`
const print = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`\n${title} (share of ${busy} busy samples)\n`)
  for (const [name, count] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${share(count)}  ${name}\n`)
  }
}
print('self time by area', areas)
print('self time by function', functions)
