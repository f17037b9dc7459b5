import type { ProjectInfo } from '../../../contract/types.ts'
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

export const projectHandlers: Pick<HandlerTable, 'project/current'> = {
  'project/current': (_input, _context, services) => Promise.resolve(projectInfo(services.tenancy.project)),
}
