/**
 * Refusing loopback, private and link-local addresses where a webhook's connection is made (SSRF through DNS): the
 * URL check at registration sees only the name, and a name may resolve to 127.0.0.1, 10.x or 169.254.169.254 (in
 * /etc/hosts, in a merchant's DNS zone, or only at the moment of the call: DNS rebinding).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { buildConnector } from 'undici'

/** The `code` of the error of a refused connection, and the reason an attempt's log shows. */
export const PRIVATE_ADDRESS_REFUSED = 'PRIVATE_ADDRESS_REFUSED'

/** Addresses of this machine, of private networks and of no host at all: a merchant's URL must not reach them. */
const PRIVATE_NETWORKS = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this host": connecting to 0.0.0.0 reaches loopback
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking networks
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast 255.255.255.255 included
] as const) {
  PRIVATE_NETWORKS.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128], // unspecified: connecting to it reaches loopback
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE_NETWORKS.addSubnet(network, prefix, 'ipv6')
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`, `::ffff:7f00:1`), else undefined. */
function mappedIpv4(address: string): string | undefined {
  const dotted = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  if (dotted) return dotted[1]
  const hex = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address)
  if (!hex) return undefined
  const [high, low] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)]
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

/**
 * Whether an IP address (v4 or v6, an IPv4-mapped v6 one counting as its v4 address) is loopback, private,
 * link-local, unspecified or multicast. Not an address at all: false.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return PRIVATE_NETWORKS.check(address, 'ipv4')
  if (family !== 6) return false
  const mapped = mappedIpv4(address)
  return mapped === undefined ? PRIVATE_NETWORKS.check(address, 'ipv6') : PRIVATE_NETWORKS.check(mapped, 'ipv4')
}

function refusal(hostname: string, address: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    hostname === address
      ? `${address} is a loopback, private or link-local address`
      : `${hostname} resolves to ${address}, a loopback, private or link-local address`,
  )
  error.code = PRIVATE_ADDRESS_REFUSED
  return error
}

/**
 * A `lookup` for `net.connect` that resolves with `resolve` (DNS by default) and fails with `PRIVATE_ADDRESS_REFUSED`
 * when any address of the name is private: checked on the addresses the socket will use, so a rebinding between
 * a check and the connection cannot slip through.
 */
export function publicOnlyLookup(resolve: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family)
      const addresses = Array.isArray(address) ? (address as LookupAddress[]).map((a) => a.address) : [address]
      const refused = addresses.find(isPrivateAddress)
      if (refused !== undefined) return callback(refusal(hostname, refused), '', 0)
      callback(null, address, family)
    })
  }
}

/**
 * An undici `connect` option: undici's own connector with `lookup`, which refuses private addresses unless
 * `allowPrivateNetworks`. A host written as an IP address is never looked up by `net.connect`, so it is checked
 * here. `resolve` replaces DNS (tests).
 */
export function webhookConnector(options: {
  allowPrivateNetworks: boolean
  /** Of the TCP (and TLS) connection, in ms. */
  timeout?: number
  resolve?: LookupFunction
}): buildConnector.connector {
  const { allowPrivateNetworks, timeout, resolve } = options
  const lookup = allowPrivateNetworks ? resolve : publicOnlyLookup(resolve)
  const connect = buildConnector(lookup ? { timeout, lookup } : { timeout })
  if (allowPrivateNetworks) return connect
  return (target, callback) => {
    if (isPrivateAddress(target.hostname)) {
      queueMicrotask(() => callback(refusal(target.hostname, target.hostname), null))
      return
    }
    connect(target, callback)
  }
}
