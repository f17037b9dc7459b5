import type { ProjectInfo } from '../../../contract/types.ts'
import { seedDemo } from '../demo/demo-data.ts'
import { InvalidInputError } from '../errors.ts'
import type { Project } from '../project/project.ts'
import type { HandlerTable } from './handler-types.ts'

/** What the console may know of a project: names and declarations, not the migration code. */
export function projectInfo(project: Project): ProjectInfo {
  return {
    name: project.name,
    root: project.root,
    configPath: project.configPath,
    builtin: project.builtin,
    tenantTypes: project.tenantTypes.map((type) => ({
      name: type.name,
      label: type.label,
      ...(type.description === undefined ? {} : { description: type.description }),
      migrations: type.migrations.map((m) => m.name),
    })),
    defaultTenantType: project.defaultTenantType,
    sharedMigrations: project.shared.map((m) => m.name),
    sharedReadable: [...project.sharedReadable],
    baseDomain: project.baseDomain,
    routing: { ...project.routing },
  }
}

export const projectHandlers: Pick<HandlerTable, 'project/current' | 'demo/load'> = {
  'project/current': (_input, _context, services) => Promise.resolve(projectInfo(services.tenancy.project)),

  async 'demo/load'(_input, context, { tenancy }) {
    // The demo's tables (customers, orders, users) are the built-in project's; another project's tenants have none.
    if (!tenancy.project.builtin) throw new InvalidInputError('project', `is "${tenancy.project.name}": the demo tenants belong to the built-in demo project`)
    const result = await seedDemo(tenancy)
    if (result.created.length > 0) context.broadcast('tenants/changed', { reason: 'created' })
    return result
  },
}
