import { tenantInitials } from '../lib/tenant-color.ts'
import { useTenantColors } from '../tenant-colors.tsx'

/** A tenant's colour badge: initials on the tenant's colour. */
export function TenantBadge({ name, schema, size = 'normal' }: { name: string; schema: string; size?: 'normal' | 'large' }) {
  const colors = useTenantColors()(schema)
  return (
    <span className={`tenant-badge tenant-badge--${size}`} style={{ background: colors.solid }} aria-hidden="true" data-color={colors.index}>
      {tenantInitials(name, schema)}
    </span>
  )
}
