/*
 * Which Host and Origin the console accepts. A web page on another site can
 * point its own name at 127.0.0.1 (DNS rebinding) and so reach this server as
 * "same origin"; its requests still carry its own Host, which is why the
 * console answers only to the two loopback names with our exact port.
 */

/** `localhost:PORT` and `127.0.0.1:PORT`: the only hosts the console is served on. */
export function consoleHosts(port: number): ReadonlySet<string> {
  return new Set([`localhost:${port}`, `127.0.0.1:${port}`])
}

/** The console's own origins. */
export function consoleOrigins(port: number): ReadonlySet<string> {
  return new Set([`http://localhost:${port}`, `http://127.0.0.1:${port}`])
}

export class HostPolicy {
  private readonly hosts: ReadonlySet<string>
  private readonly origins: ReadonlySet<string>

  constructor(readonly port: number) {
    this.hosts = consoleHosts(port)
    this.origins = consoleOrigins(port)
  }

  /** Whether a Host header names the console (case-insensitive, port required). */
  isConsoleHost(host: string | undefined): boolean {
    return host !== undefined && this.hosts.has(host.trim().toLowerCase())
  }

  /** An absent Origin is allowed (same-origin GETs and non-browser clients send none); `null` and foreign ones are not. */
  isAllowedOrigin(origin: string | undefined): boolean {
    return origin === undefined || this.origins.has(origin.toLowerCase())
  }

  /** The CSP of the console's pages: our own scripts only, and connections back to this server. */
  contentSecurityPolicy(): string {
    const ws = [...this.hosts].map((host) => `ws://${host}`).join(' ')
    return [
      "default-src 'self'",
      "script-src 'self'",
      // React's style attributes are inline styles.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      `connect-src 'self' ${ws}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ')
  }
}
