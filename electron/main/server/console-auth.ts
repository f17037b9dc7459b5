import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { bearerToken } from '../auth/api-token.ts'

/** A fresh console token (24 random bytes, base64url). */
export function randomConsoleToken(): string {
  return randomBytes(24).toString('base64url')
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** Compares in constant time whatever the lengths (hashing first makes them equal). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected))
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * Who may use the console: whoever holds the token, presented as the HttpOnly
 * cookie a browser gets for the printed link, or as `Authorization: Bearer`
 * (scripts, tests). A `token` query parameter is only ever traded for the
 * cookie on a page load (create-server.ts), never accepted in its place.
 */
export class ConsoleAuth {
  /** Per port: cookies ignore ports, and two servers on one machine must not overwrite each other's. */
  readonly cookieName: string

  constructor(
    readonly token: string,
    port: number,
  ) {
    this.cookieName = `schemata_console_${port}`
  }

  /** Whether the request carries the token in our cookie or a bearer header. */
  isAuthorized(req: IncomingMessage): boolean {
    const candidates = [cookieValue(req.headers.cookie, this.cookieName), bearerToken(req.headers.authorization)]
    return candidates.some((value) => value !== undefined && sameSecret(value, this.token))
  }

  /** Whether `value` is the token. */
  matches(value: string | null): boolean {
    return value !== null && sameSecret(value, this.token)
  }

  /** HttpOnly (page scripts never see it), SameSite=Strict (no other site can make the browser send it). */
  setCookieHeader(): string {
    return `${this.cookieName}=${this.token}; Path=/; HttpOnly; SameSite=Strict`
  }
}
