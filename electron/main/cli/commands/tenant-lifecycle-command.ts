import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { InvalidInputError } from '../../errors.ts'
import { archiveDirectory } from '../../lifecycle/archive-dir.ts'
import { archiveTenant, unarchiveTenant } from '../../lifecycle/archive-tenant.ts'
import { cloneTenant } from '../../lifecycle/clone-tenant.ts'
import { exportTenant, exportTenantToFile } from '../../lifecycle/export-tenant.ts'
import { importTenantFromFile } from '../../lifecycle/import-tenant.ts'
import { moveTenant } from '../../lifecycle/move-tenant.ts'
import type { Tenant } from '../../tenancy/tenant-registry.ts'
import type { CliContext } from '../cli-context.ts'
import { cliProgress } from '../cli-progress.ts'
import { TENANT_FLAGS } from '../command-table.ts'
import { LIFECYCLE_USAGE } from '../usage.ts'
import { parseFlags, requireFlag } from '../parse-args.ts'



function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

function tenantJson(tenant: Tenant): Record<string, unknown> {
  return { name: tenant.name, schema: tenant.schema, domains: tenant.domains, status: tenant.status, createdAt: tenant.createdAt }
}

function domainsOf(flags: { domain?: string[] | undefined }): { domains?: string[] } {
  return flags.domain && flags.domain.length > 0 ? { domains: flags.domain } : {}
}

/** `schemata tenant clone | rename | export | import | swap | archive | unarchive | move`. */
export async function tenantLifecycleCommand(context: CliContext, verb: string, argv: readonly string[]): Promise<number> {
  const { io } = context
  if (wantsHelp(argv)) {
    io.out(LIFECYCLE_USAGE[verb] ?? '')
    return 0
  }
  const progress = cliProgress(io)
  const onProgress = progress.update
  const print = (json: boolean, value: unknown, text: string) => io.out(json ? JSON.stringify(value) : text)
  try {
    switch (verb) {
      case 'clone': {
        const flags = parseFlags(argv, TENANT_FLAGS.clone)
        const from = requireFlag(flags, 'from')
        const schema = requireFlag(flags, 'schema')
        const tenant = await context.withTenancy(
          (tenancy) =>
            cloneTenant(tenancy, { from, schema, ...(flags.name ? { name: flags.name } : {}), ...domainsOf(flags), data: flags.data === true, onProgress }),
          { ensureShared: true },
        )
        progress.done()
        print(flags.json === true, { ...tenantJson(tenant), from, rows: tenant.rows }, `cloned ${from} → ${tenant.schema} ("${tenant.name}", ${flags.data ? `${tenant.rows} rows` : 'no data'}, domains ${tenant.domains.join(', ')})`)
        return 0
      }
      case 'rename': {
        const flags = parseFlags(argv, TENANT_FLAGS.rename)
        const schema = requireFlag(flags, 'schema')
        const to = requireFlag(flags, 'to')
        const tenant = await context.withTenancy((tenancy) => tenancy.renameTenant(schema, to), { ensureShared: true })
        print(flags.json === true, { ...tenantJson(tenant), previous: schema }, `renamed ${schema} → ${tenant.schema} (domains ${tenant.domains.join(', ')})`)
        return 0
      }
      case 'export': {
        const flags = parseFlags(argv, TENANT_FLAGS.export)
        const schema = requireFlag(flags, 'schema')
        const out = requireFlag(flags, 'out')
        if (out === '-') {
          const result = await context.withTenancy((tenancy) => exportTenant(tenancy.db, process.stdout, { schema, migrations: tenancy.migrations, onProgress }), { ensureShared: true })
          progress.done()
          io.err(`exported ${schema}: ${result.rows} rows, ${result.bytes} bytes, sha256 ${result.sha256}`)
          return 0
        }
        const path = resolve(out)
        const result = await context.withTenancy((tenancy) => exportTenantToFile(tenancy.db, path, { schema, migrations: tenancy.migrations, onProgress }), { ensureShared: true })
        progress.done()
        print(
          flags.json === true,
          { schema, path, bytes: result.bytes, rows: result.rows, sha256: result.sha256, tables: result.manifest.tables.map((t) => ({ name: t.name, rows: t.rows })) },
          `exported ${schema} to ${path}: ${result.rows} rows in ${result.manifest.tables.length} tables, ${result.bytes} bytes, sha256 ${result.sha256}`,
        )
        return 0
      }
      case 'import': {
        const parsed = parseImportArgs(argv)
        const { flags, file } = parsed
        const result = await context.withTenancy(
          (tenancy) =>
            importTenantFromFile(tenancy, resolve(file), {
              ...(flags.schema ? { schema: flags.schema } : {}),
              ...(flags.name ? { name: flags.name } : {}),
              ...domainsOf(flags),
              ...(flags['as-sibling'] ? { asSibling: true } : {}),
              onProgress,
            }),
          { ensureShared: true },
        )
        progress.done()
        const m = result.manifest
        print(
          flags.json === true,
          { ...tenantJson(result.tenant), rows: result.rows, bytes: result.bytes, from: { schema: m.tenant.schema, exportedAt: m.exportedAt, postgres: m.postgres.version } },
          `imported ${m.tenant.schema} (exported ${m.exportedAt} from PostgreSQL ${m.postgres.version}) as ${result.tenant.schema}: ${result.rows} rows, domains ${result.tenant.domains.join(', ')}`,
        )
        return 0
      }
      case 'swap': {
        const flags = parseFlags(argv, TENANT_FLAGS.swap)
        const schema = requireFlag(flags, 'schema')
        const other = requireFlag(flags, 'with')
        await context.withTenancy((tenancy) => tenancy.swapTenants(schema, other), { ensureShared: true })
        print(flags.json === true, { schema, with: other }, `swapped ${schema} and ${other}: ${schema} now holds what ${other} held (the old data stays in ${other} until dropped)`)
        return 0
      }
      case 'archive': {
        const flags = parseFlags(argv, TENANT_FLAGS.archive)
        const schema = requireFlag(flags, 'schema')
        const result = await context.withTenancy(
          (tenancy) => archiveTenant(tenancy, { schema, dir: archiveDirectory(context.target), ...(flags.out ? { out: resolve(flags.out) } : {}), onProgress }),
          { ensureShared: true },
        )
        progress.done()
        print(flags.json === true, result, `archived ${schema} to ${result.path} (${result.rows} rows, sha256 ${result.sha256}); its schema and role are dropped`)
        return 0
      }
      case 'unarchive': {
        const flags = parseFlags(argv, TENANT_FLAGS.unarchive)
        const schema = requireFlag(flags, 'schema')
        const tenant = await context.withTenancy(
          (tenancy) => unarchiveTenant(tenancy, { schema, ...(flags.file ? { file: resolve(flags.file) } : {}), onProgress }),
          { ensureShared: true },
        )
        progress.done()
        print(flags.json === true, tenantJson(tenant), `unarchived ${schema} (domains ${tenant.domains.join(', ')})`)
        return 0
      }
      case 'move': {
        const flags = parseFlags(argv, TENANT_FLAGS.move)
        const schema = requireFlag(flags, 'schema')
        const to = requireFlag(flags, 'to')
        const result = await context.withTenancy(
          (tenancy) => moveTenant(tenancy, { schema, to, dropSource: flags['drop-source'] === true, onProgress }),
          { ensureShared: true },
        )
        progress.done()
        print(
          flags.json === true,
          result,
          `moved ${schema} to ${result.movedTo}${result.resumed ? ' (finished an interrupted move)' : `: ${result.rows} rows`}; ` +
            (result.droppedSource ? 'dropped here' : 'kept here as "moved" until dropped (tenant drop --schema … --yes)'),
        )
        return 0
      }
      default:
        throw new InvalidInputError('command', `"tenant ${verb}" is not a command`)
    }
  } finally {
    progress.done()
  }
}

function parseImportArgs(argv: readonly string[]) {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: TENANT_FLAGS.import,
      strict: true,
      allowPositionals: true,
    })
  } catch {
    // Same message and field as every other command's flag errors.
    parseFlags(argv.filter((a) => a.startsWith('-')), TENANT_FLAGS.import)
    throw new InvalidInputError('arguments', 'could not be parsed')
  }
  const files = [...parsed.positionals, ...(parsed.values.file ? [parsed.values.file] : [])]
  if (files.length === 0) throw new InvalidInputError('file', 'name the export file to import (schemata tenant import FILE)')
  if (files.length > 1) throw new InvalidInputError('file', `one file at a time (got ${files.length})`)
  return { flags: parsed.values, file: files[0] as string }
}
