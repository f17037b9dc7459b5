import { type DoctorReport, runDoctor } from '../../doctor/doctor.ts'
import type { Finding } from '../../doctor/findings.ts'
import type { CliContext } from '../cli-context.ts'
import { ExitCode } from '../cli-io.ts'
import { DOCTOR_FLAGS } from '../command-table.ts'
import { parseFlags } from '../parse-args.ts'

/** The stable shape of `schemata doctor --json`. */
export interface DoctorJson {
  healthy: boolean
  findings: Finding[]
  /** With --citus: tables of public that tenant tables reference (to become Citus reference tables). */
  citusReferenceTables?: string[]
}

function status(finding: Finding): string {
  if (finding.fixed === true) return 'fixed'
  if (finding.fixed === false) return finding.fixable ? 'NOT FIXED' : 'left alone'
  return finding.fixable ? 'fixable' : 'manual'
}

function summary(report: DoctorReport, fix: boolean): string {
  if (report.findings.length === 0) return `healthy: ${report.tenants} tenant(s), no findings`
  const fixed = report.findings.filter((f) => f.fixed === true).length
  const fixable = report.findings.filter((f) => f.fixable).length
  const left = report.findings.length - fixed
  if (fix) return `${report.findings.length} finding(s): ${fixed} fixed, ${left} left${report.healthy ? '; healthy now' : ''}`
  return `${report.findings.length} finding(s) over ${report.tenants} tenant(s); ${fixable} can be repaired with --fix`
}

/** `schemata doctor [--fix] [--json]`: exit 0 when healthy (after repairs), 1 when findings remain. */
export async function doctorCommand(context: CliContext, argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, DOCTOR_FLAGS)
  const fix = flags.fix === true
  const { io } = context
  const report = await context.withTenancy((tenancy) =>
    runDoctor(tenancy, { fix, citus: flags.citus === true, ...(flags.json ? {} : { onProgress: (line: string) => io.err(`fix: ${line}`) }) }),
  )
  if (flags.json) {
    const json: DoctorJson = {
      healthy: report.healthy,
      findings: report.findings,
      ...(report.citusReferenceTables ? { citusReferenceTables: report.citusReferenceTables } : {}),
    }
    io.out(JSON.stringify(json))
  } else {
    for (const finding of report.findings) {
      io.out(`[${finding.severity}] ${finding.schema} ${finding.check} (${status(finding)}): ${finding.message}`)
    }
    if (report.citusReferenceTables) {
      io.out(
        report.citusReferenceTables.length === 0
          ? 'citus: no tenant table references a public table'
          : `citus: make these reference tables first: ${report.citusReferenceTables.map((t) => `SELECT create_reference_table('public.${t}');`).join(' ')}`,
      )
    }
    io.out(summary(report, fix))
  }
  return report.healthy ? ExitCode.ok : ExitCode.failure
}
