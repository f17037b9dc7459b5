import { tenantColors, tenantInitials } from '../lib/tenant-color.ts'

/** A tenant's colour badge: initials on the colour derived from its schema. */
export function TenantBadge({ name, schema, size = 'normal' }: { name: string; schema: string; size?: 'normal' | 'large' }) {
  const colors = tenantColors(schema)
  return (
    <span className={`tenant-badge tenant-badge--${size}`} style={{ background: colors.solid }} aria-hidden="true" data-hue={colors.hue}>
      {tenantInitials(name, schema)}
    </span>
  )
}
