/*
 * The local HTTP server: admin console (browser mode) on the bare host,
 * tenant API on tenant hosts. See docs/tenant-api.md and DESIGN.md.
 */
export { type SchemataServer, createSchemataServer } from './create-server.ts'
export { type ApiRequestLogEntry, RequestLog } from './request-log.ts'
