/**
 * Checks that one OpenAPI document honours another (a fixed contract). Pure functions over plain JSON, so the
 * rules can be proven on tiny inline documents before they are trusted on the real app.
 *
 * The comparison is semantic, not textual: `$ref`s are resolved in each document, a union of string literals
 * counts as an enum, and `{param}` names in paths are ignored, because generators (here @fastify/swagger over
 * TypeBox) inline and rewrite schemas in ways that do not change what a client sees.
 */

type Json = Record<string, unknown>

/** The parts of an OpenAPI 3.x document the comparison reads. */
export interface OpenApiDocument {
  paths?: Record<string, unknown>
  components?: Json
  [key: string]: unknown
}

export interface CompatOptions {
  /**
   * Error statuses documented once, through the service's error catalogue, instead of on every route; a
   * contract response with one of these statuses may be missing from a route's own response map.
   */
  catalogueStatuses?: Iterable<number>
}

/** Request schemas are held to "accept the same", response schemas to "promise at least the same". */
type Direction = 'request' | 'response'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/** Bounds that, when the contract sets them, must be the same in ours. */
const BOUNDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
] as const

/** Recursive schemas would otherwise never end; real contracts are far shallower than this. */
const MAX_DEPTH = 32

/** Lists every way `ours` breaks `contract`, one readable line each; an empty list means compatible. */
export function findIncompatibilities(
  contract: OpenApiDocument,
  ours: OpenApiDocument,
  options: CompatOptions = {},
): string[] {
  const check: Check = { contract, ours, problems: [] }
  const catalogue = new Set(options.catalogueStatuses ?? [])
  const ourPaths = new Map<string, string>()
  for (const path of Object.keys(ours.paths ?? {})) ourPaths.set(pathKey(path), path)

  for (const [contractPath, rawContractItem] of Object.entries(contract.paths ?? {})) {
    const contractItem = resolve(contract, rawContractItem)
    const ourPath = ourPaths.get(pathKey(contractPath))
    const ourItem = ourPath === undefined ? undefined : resolve(ours, ours.paths?.[ourPath])
    for (const method of METHODS) {
      const contractOp = asObject(contractItem[method])
      if (!contractOp) continue
      const where = `${method.toUpperCase()} ${contractPath}`
      const ourOp = ourItem ? asObject(ourItem[method]) : undefined
      if (!ourOp) {
        check.problems.push(`${where}: operation missing from ours`)
        continue
      }
      compareParameters(
        check,
        where,
        parametersOf(contract, contractItem, contractOp),
        parametersOf(ours, ourItem!, ourOp),
      )
      compareRequestBody(check, where, contractOp.requestBody, ourOp.requestBody)
      compareResponses(check, where, contractOp.responses, ourOp.responses, catalogue)
    }
  }
  return check.problems
}

interface Check {
  contract: OpenApiDocument
  ours: OpenApiDocument
  problems: string[]
}

/** Path templates match whatever their parameters are called: `/a/{id}` is `/a/{bookingId}`. */
function pathKey(path: string): string {
  return path.replace(/\{[^}]*\}/g, '{}')
}

function parametersOf(doc: OpenApiDocument, item: Json, op: Json): Map<string, Json> {
  const byKey = new Map<string, Json>()
  // Operation-level parameters override path-level ones with the same name and location.
  for (const list of [item.parameters, op.parameters]) {
    if (!Array.isArray(list)) continue
    for (const raw of list) {
      const param = resolve(doc, raw)
      byKey.set(paramKey(param), param)
    }
  }
  return byKey
}

/** HTTP header names are case-insensitive; everything else is matched exactly. */
function paramKey(param: Json): string {
  const name = String(param.name)
  return `${param.in} "${param.in === 'header' ? name.toLowerCase() : name}"`
}

function compareParameters(check: Check, where: string, contract: Map<string, Json>, ours: Map<string, Json>) {
  for (const [key, contractParam] of contract) {
    const at = `${where} parameter ${key}`
    const ourParam = ours.get(key)
    if (!ourParam) {
      check.problems.push(`${at}: missing from ours`)
      continue
    }
    const contractRequired = contractParam.required === true
    const ourRequired = ourParam.required === true
    if (contractRequired && !ourRequired) check.problems.push(`${at}: required in the contract, optional in ours`)
    if (!contractRequired && ourRequired) check.problems.push(`${at}: optional in the contract, required in ours`)
    if (contractParam.schema !== undefined) {
      compareSchema(check, at, 'request', contractParam.schema, ourParam.schema ?? {}, 0)
    }
  }
  for (const [key, ourParam] of ours) {
    if (ourParam.required === true && !contract.has(key)) {
      check.problems.push(`${where} parameter ${key}: required in ours but unknown to the contract`)
    }
  }
}

function compareRequestBody(check: Check, where: string, rawContract: unknown, rawOurs: unknown) {
  if (rawContract === undefined) return
  const at = `${where} request body`
  const contractBody = resolve(check.contract, rawContract)
  if (rawOurs === undefined) {
    check.problems.push(`${at}: missing from ours`)
    return
  }
  const ourBody = resolve(check.ours, rawOurs)
  if (contractBody.required === true && ourBody.required !== true) {
    check.problems.push(`${at}: required in the contract, optional in ours`)
  }
  if (contractBody.required !== true && ourBody.required === true) {
    check.problems.push(`${at}: optional in the contract, required in ours`)
  }
  compareContent(check, at, 'request', contractBody.content, ourBody.content)
}

function compareResponses(check: Check, where: string, rawContract: unknown, rawOurs: unknown, catalogue: Set<number>) {
  const contractResponses = asObject(rawContract) ?? {}
  const ourResponses = asObject(rawOurs) ?? {}
  for (const [status, rawResponse] of Object.entries(contractResponses)) {
    const at = `${where} response ${status}`
    const ourRaw = ourResponses[status] ?? ourResponses[`${status[0]}XX`]
    if (ourRaw === undefined) {
      const code = Number(status)
      if (code >= 400 && catalogue.has(code)) continue
      check.problems.push(`${at}: missing from ours`)
      continue
    }
    // Only success bodies are compared: error bodies follow the shared error catalogue shape.
    if (!status.startsWith('2')) continue
    const contractResponse = resolve(check.contract, rawResponse)
    compareContent(check, at, 'response', contractResponse.content, resolve(check.ours, ourRaw).content)
  }
}

function compareContent(check: Check, at: string, direction: Direction, rawContract: unknown, rawOurs: unknown) {
  const contractContent = asObject(rawContract) ?? {}
  const ourContent = asObject(rawOurs) ?? {}
  for (const [mediaType, rawMedia] of Object.entries(contractContent)) {
    if (!mediaType.includes('json')) continue
    const contractSchema = asObject(rawMedia)?.schema
    if (contractSchema === undefined) continue
    const ourSchema = asObject(ourContent[mediaType])?.schema
    if (ourSchema === undefined) {
      check.problems.push(`${at}: no ${mediaType} schema in ours`)
      continue
    }
    // Request bodies are already labelled "request body"; responses name their body after the status.
    compareSchema(check, direction === 'request' ? at : `${at} body`, direction, contractSchema, ourSchema, 0)
  }
}

/**
 * Type, format, enum and bounds where the contract gives them; array items and object properties recursively.
 * Ours may add optional properties; in requests ours may not require what the contract leaves optional.
 */
function compareSchema(
  check: Check,
  at: string,
  direction: Direction,
  rawContract: unknown,
  rawOurs: unknown,
  depth: number,
) {
  if (depth > MAX_DEPTH) return
  const contract = flatten(check.contract, rawContract)
  const ours = flatten(check.ours, rawOurs)
  const problems = check.problems

  const contractTypes = typesOf(check.contract, contract)
  const ourTypes = typesOf(check.ours, ours)
  if (contractTypes && !sameSet(contractTypes, ourTypes ?? [])) {
    problems.push(
      `${at}: type ${show(contractTypes)} in the contract, ${ourTypes ? show(ourTypes) : 'unspecified'} in ours`,
    )
    return // Everything below would only repeat the same mismatch.
  }

  const contractFormat = formatOf(check.contract, contract)
  if (contractFormat !== undefined) {
    const ourFormat = formatOf(check.ours, ours)
    if (ourFormat !== contractFormat) {
      problems.push(
        `${at}: format "${contractFormat}" in the contract, ${ourFormat ? `"${ourFormat}"` : 'none'} in ours`,
      )
    }
  }

  const contractEnum = enumOf(check.contract, contract)
  if (contractEnum) {
    const ourEnum = enumOf(check.ours, ours)
    if (!ourEnum || !sameSet(contractEnum, ourEnum)) {
      problems.push(`${at}: enum ${show(contractEnum)} in the contract, ${ourEnum ? show(ourEnum) : 'none'} in ours`)
    }
  }

  for (const bound of BOUNDS) {
    if (contract[bound] === undefined) continue
    if (ours[bound] !== contract[bound]) {
      problems.push(`${at}: ${bound} ${contract[bound]} in the contract, ${ours[bound] ?? 'none'} in ours`)
    }
  }

  if (contract.items !== undefined) {
    if (ours.items === undefined) problems.push(`${at}: array items unspecified in ours`)
    else compareSchema(check, `${at}[]`, direction, contract.items, ours.items, depth + 1)
  }

  const contractProps = asObject(contract.properties) ?? {}
  const ourProps = asObject(ours.properties) ?? {}
  const contractRequired = new Set(requiredOf(contract))
  const ourRequired = new Set(requiredOf(ours))
  for (const [name, contractProp] of Object.entries(contractProps)) {
    const propAt = `${at}.${name}`
    if (ourProps[name] === undefined) {
      problems.push(`${propAt}: property missing from ours`)
      continue
    }
    if (contractRequired.has(name) && !ourRequired.has(name)) {
      problems.push(`${propAt}: required in the contract, optional in ours`)
    }
    compareSchema(check, propAt, direction, contractProp, ourProps[name], depth + 1)
  }
  // A contract may list a required name without describing it.
  for (const name of contractRequired) {
    if (contractProps[name] === undefined && !ourRequired.has(name)) {
      problems.push(`${at}.${name}: required in the contract, optional in ours`)
    }
  }
  if (direction === 'request') {
    for (const name of ourRequired) {
      if (!contractRequired.has(name)) {
        problems.push(
          `${at}.${name}: required in ours but ${name in contractProps ? 'optional in' : 'unknown to'} the contract`,
        )
      }
    }
  }
}

/** Resolves `$ref` and merges `allOf` parts, so one object describes the whole schema. */
function flatten(doc: OpenApiDocument, raw: unknown): Json {
  const schema = resolve(doc, raw)
  if (!Array.isArray(schema.allOf)) return schema
  const merged: Json = { ...schema }
  delete merged.allOf
  const properties: Json = { ...asObject(schema.properties) }
  const required = new Set(requiredOf(schema))
  for (const part of schema.allOf) {
    const flat = flatten(doc, part)
    for (const [key, value] of Object.entries(flat)) {
      if (key !== 'properties' && key !== 'required' && merged[key] === undefined) merged[key] = value
    }
    Object.assign(properties, asObject(flat.properties))
    for (const name of requiredOf(flat)) required.add(name)
  }
  if (Object.keys(properties).length > 0) merged.properties = properties
  if (required.size > 0) merged.required = [...required]
  return merged
}

/** The JSON types a schema allows, with unions (`anyOf`/`oneOf`) flattened; undefined when it does not say. */
function typesOf(doc: OpenApiDocument, schema: Json): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type]
  if (Array.isArray(schema.type)) return [...new Set(schema.type.map(String))]
  const branches = unionBranches(schema)
  if (branches) {
    const types = new Set<string>()
    for (const branch of branches) {
      const branchTypes = typesOf(doc, flatten(doc, branch))
      if (!branchTypes) return undefined
      for (const type of branchTypes) types.add(type)
    }
    return [...types]
  }
  if (schema.properties !== undefined) return ['object']
  if (schema.items !== undefined) return ['array']
  return undefined
}

/** The format, also when every non-null branch of a union shares it. */
function formatOf(doc: OpenApiDocument, schema: Json): string | undefined {
  if (typeof schema.format === 'string') return schema.format
  const branches = unionBranches(schema)
    ?.map((branch) => flatten(doc, branch))
    .filter((b) => b.type !== 'null')
  if (!branches || branches.length === 0) return undefined
  const formats = new Set(branches.map((branch) => formatOf(doc, branch)))
  return formats.size === 1 ? [...formats][0] : undefined
}

/** Allowed values from `enum`, `const`, or a union whose every branch is itself an enum (TypeBox literals). */
function enumOf(doc: OpenApiDocument, schema: Json): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum
  if ('const' in schema) return [schema.const]
  const branches = unionBranches(schema)
  if (!branches) return undefined
  const values: unknown[] = []
  for (const branch of branches) {
    const branchValues = enumOf(doc, flatten(doc, branch))
    if (!branchValues) return undefined
    values.push(...branchValues)
  }
  return values
}

function unionBranches(schema: Json): unknown[] | undefined {
  if (Array.isArray(schema.anyOf)) return schema.anyOf
  if (Array.isArray(schema.oneOf)) return schema.oneOf
  return undefined
}

function requiredOf(schema: Json): string[] {
  return Array.isArray(schema.required) ? schema.required.map(String) : []
}

/** Follows local `$ref`s (`#/…`) until a plain object; anything else becomes an empty schema. */
function resolve(doc: OpenApiDocument, node: unknown): Json {
  let current = node
  for (let hops = 0; hops < MAX_DEPTH; hops++) {
    const object = asObject(current)
    if (!object) return {}
    if (typeof object.$ref !== 'string') return object
    current = pointer(doc, object.$ref)
  }
  throw new Error('$ref chain too long (cyclic?)')
}

function pointer(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, got ${ref}`)
  let current: unknown = doc
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
    current = asObject(current)?.[key]
    if (current === undefined) throw new Error(`Unresolvable $ref ${ref}`)
  }
  return current
}

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined
}

function sameSet(a: unknown[], b: unknown[]): boolean {
  const left = new Set(a.map((v) => JSON.stringify(v)))
  const right = new Set(b.map((v) => JSON.stringify(v)))
  return left.size === right.size && [...left].every((v) => right.has(v))
}

function show(values: unknown[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`
}
