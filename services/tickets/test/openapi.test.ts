import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { coreErrors } from '@kokdala/core'
import { findIncompatibilities, type OpenApiDocument } from '@kokdala/core/testing'
import { formatOpenApi, generateTicketsOpenApi, openApiPath } from '../scripts/write-openapi.ts'
import { ticketErrors } from '../src/errors.ts'

const contractPath = fileURLToPath(new URL('../contract/biletter-api.json', import.meta.url))
// Only present in the hackathon workspace; a plain clone of the repository has just the copy above.
const sharedContractPath = fileURLToPath(new URL('../../../../shared/hackload-data/biletter-api.json', import.meta.url))

function readJson(path: string): OpenApiDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument
}

/** A contract in the HackLoad style: named schemas behind `$ref`s, plain enums, optional params by omission. */
function tinyContract(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    components: {
      schemas: {
        Thing: {
          type: 'object',
          properties: {
            id: { type: 'integer', format: 'int64' },
            status: { type: 'string', enum: ['OPEN', 'SHUT'] },
            price: { type: 'string', format: 'decimal' },
          },
          required: ['id', 'status'],
        },
        Things: { type: 'array', items: { $ref: '#/components/schemas/Thing' } },
        NewThing: {
          type: 'object',
          properties: { name: { type: 'string' }, note: { type: 'string' } },
          required: ['name'],
        },
      },
    },
    paths: {
      '/things': {
        get: {
          parameters: [
            { in: 'query', name: 'owner_id', required: true, schema: { type: 'integer', format: 'int64' } },
            { in: 'query', name: 'page', schema: { type: 'integer', minimum: 1 } },
          ],
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Things' } } },
            },
          },
        },
        post: {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/NewThing' } } },
          },
          responses: { '201': { description: 'created' }, '403': { description: 'forbidden' } },
        },
      },
      '/things/{id}': {
        get: {
          parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'integer' } }],
          responses: { '200': { description: 'ok' } },
        },
      },
    },
  }
}

/**
 * The same API the way @fastify/swagger renders TypeBox: everything inlined, enums as unions of literals, extra
 * optional params and properties, and the 403 left to the error catalogue. Compatible with `tinyContract`.
 */
function tinyOurs() {
  return {
    openapi: '3.1.0',
    components: { schemas: {} },
    paths: {
      '/things': {
        get: {
          parameters: [
            { in: 'query', name: 'page', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
            { in: 'query', name: 'owner_id', required: true, schema: { type: 'integer', format: 'int64', minimum: 1 } },
            { in: 'query', name: 'sort', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'Default Response',
              content: {
                'application/json': {
                  schema: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id', 'status', 'extra'],
                      properties: {
                        id: { type: 'integer', format: 'int64' },
                        status: {
                          anyOf: [
                            { type: 'string', enum: ['OPEN'] },
                            { type: 'string', enum: ['SHUT'] },
                          ],
                        },
                        price: { type: 'string', format: 'decimal' },
                        extra: { type: 'boolean' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        post: {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['name'],
                  properties: { name: { type: 'string', maxLength: 100 }, note: { type: 'string' } },
                },
              },
            },
          },
          responses: { '201': { description: 'Default Response' } },
        },
      },
      '/things/{id}': {
        get: {
          parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'integer' } }],
          responses: { '200': { description: 'Default Response' } },
        },
      },
    },
  }
}

type TinyOurs = ReturnType<typeof tinyOurs>

/** Problems after breaking one thing in an otherwise compatible document. */
function problemsAfter(breakIt: (ours: TinyOurs) => void, catalogueStatuses = [403]): string[] {
  const ours = tinyOurs()
  breakIt(ours)
  return findIncompatibilities(tinyContract(), ours, { catalogueStatuses })
}

describe('openapi compatibility rules', () => {
  test('accept a compatible document that inlines, reorders and adds', () => {
    assert.deepEqual(
      problemsAfter(() => {}),
      [],
    )
  })

  test('catch a removed path and a removed method', () => {
    assert.deepEqual(
      problemsAfter((ours) => Reflect.deleteProperty(ours.paths, '/things/{id}')),
      ['GET /things/{id}: operation missing from ours'],
    )
    assert.deepEqual(
      problemsAfter((ours) => Reflect.deleteProperty(ours.paths['/things'], 'post')),
      ['POST /things: operation missing from ours'],
    )
  })

  test('match path templates whatever their parameter is called', () => {
    const contract = tinyContract()
    const ours = tinyOurs()
    const item = ours.paths['/things/{id}']
    Reflect.deleteProperty(ours.paths, '/things/{id}')
    Object.assign(ours.paths, { '/things/{thingId}': item })
    assert.deepEqual(findIncompatibilities(contract, ours, { catalogueStatuses: [403] }), [])
  })

  test('catch a missing or no longer required response property', () => {
    assert.deepEqual(
      problemsAfter((ours) => {
        ours.paths['/things'].get.responses['200'].content['application/json'].schema.items.required = ['id']
      }),
      ['GET /things response 200 body[].status: required in the contract, optional in ours'],
    )
    assert.deepEqual(
      problemsAfter((ours) => {
        const items = ours.paths['/things'].get.responses['200'].content['application/json'].schema.items
        Reflect.deleteProperty(items.properties, 'price')
      }),
      ['GET /things response 200 body[].price: property missing from ours'],
    )
  })

  test('catch a changed type, format or enum', () => {
    assert.deepEqual(
      problemsAfter((ours) => {
        const items = ours.paths['/things'].get.responses['200'].content['application/json'].schema.items
        items.properties.id = { type: 'string', format: 'int64' }
      }),
      ['GET /things response 200 body[].id: type ["integer"] in the contract, ["string"] in ours'],
    )
    assert.deepEqual(
      problemsAfter((ours) => {
        ours.paths['/things'].get.parameters[1].schema.format = 'int32'
      }),
      ['GET /things parameter query "owner_id": format "int64" in the contract, "int32" in ours'],
    )
    assert.deepEqual(
      problemsAfter((ours) => {
        const items = ours.paths['/things'].get.responses['200'].content['application/json'].schema.items
        items.properties.status.anyOf.pop()
      }),
      ['GET /things response 200 body[].status: enum ["OPEN", "SHUT"] in the contract, ["OPEN"] in ours'],
    )
  })

  test('catch a weakened or tightened required parameter and a changed bound', () => {
    assert.deepEqual(
      problemsAfter((ours) => {
        ours.paths['/things'].get.parameters[1].required = false
      }),
      ['GET /things parameter query "owner_id": required in the contract, optional in ours'],
    )
    assert.deepEqual(
      problemsAfter((ours) => {
        ours.paths['/things'].get.parameters[0].required = true
        ours.paths['/things'].get.parameters[2].required = true
      }),
      [
        'GET /things parameter query "page": optional in the contract, required in ours',
        'GET /things parameter query "sort": required in ours but unknown to the contract',
      ],
    )
    assert.deepEqual(
      problemsAfter((ours) => {
        ours.paths['/things'].get.parameters[0].schema.minimum = 0
      }),
      ['GET /things parameter query "page": minimum 1 in the contract, 0 in ours'],
    )
  })

  test('catch request body properties that are missing, optional or newly required', () => {
    assert.deepEqual(
      problemsAfter((ours) => {
        const schema = ours.paths['/things'].post.requestBody.content['application/json'].schema
        schema.required = ['note']
      }),
      [
        'POST /things request body.name: required in the contract, optional in ours',
        'POST /things request body.note: required in ours but optional in the contract',
      ],
    )
    assert.deepEqual(
      problemsAfter((ours) => {
        const schema = ours.paths['/things'].post.requestBody.content['application/json'].schema
        Reflect.deleteProperty(schema.properties, 'note')
      }),
      ['POST /things request body.note: property missing from ours'],
    )
  })

  test('let catalogue error statuses be missing, but never success statuses', () => {
    assert.deepEqual(
      problemsAfter(() => {}, []),
      ['POST /things response 403: missing from ours'],
    )
    assert.deepEqual(
      problemsAfter((ours) => Reflect.deleteProperty(ours.paths['/things'].post.responses, '201'), [201, 403]),
      ['POST /things response 201: missing from ours'],
    )
  })
})

describe('tickets openapi.json', () => {
  let generated: OpenApiDocument

  before(async () => {
    // Round-tripped through the file format so both sides of the comparison are plain JSON.
    generated = JSON.parse(formatOpenApi(await generateTicketsOpenApi())) as OpenApiDocument
  })

  test('the committed document matches what the app generates', () => {
    assert.deepEqual(
      readJson(openApiPath),
      generated,
      'services/tickets/openapi.json is stale: run `node services/tickets/scripts/write-openapi.ts` and commit it',
    )
  })

  test('the API honours the Biletter contract', () => {
    const catalogueStatuses = Object.values({ ...coreErrors, ...ticketErrors }).map((error) => error.status)
    const problems = findIncompatibilities(readJson(contractPath), generated, { catalogueStatuses })
    assert.deepEqual(problems, [], `Incompatible with contract/biletter-api.json:\n  ${problems.join('\n  ')}`)
  })

  test('the contract copy is verbatim', {
    skip: !existsSync(sharedContractPath) && 'no shared/ beside the repo',
  }, () => {
    assert.equal(
      readFileSync(contractPath, 'utf8'),
      readFileSync(sharedContractPath, 'utf8'),
      'contract/biletter-api.json differs from shared/hackload-data/biletter-api.json: copy it again, never edit it',
    )
  })
})
