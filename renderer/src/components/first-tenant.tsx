import { useState } from 'react'
import { useClient } from '../client/client-context.tsx'
import { useCallQuery } from '../data/queries.ts'
import { errorMessage } from '../lib/format.ts'
import { useWorkspace } from '../workspace.tsx'
import { ErrorMessage } from './states.tsx'

/**
 * A console with no tenants at all: say so, and offer the two ways to get
 * one — create it, or (in the built-in demo project) load the demo's three.
 */
export function FirstTenant({ onCreate }: { onCreate: () => void }) {
  const client = useClient()
  const { reloadTenants, switchTo } = useWorkspace()
  const builtin = useCallQuery('project/current', {}).data?.builtin === true
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)

  const loadDemo = async () => {
    setLoading(true)
    setError(undefined)
    try {
      const { created } = await client.call('demo/load', {})
      await reloadTenants()
      const first = created[0]
      if (first !== undefined) await switchTo(first)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setLoading(false)
    }
  }

  return (
    <div className="state state--empty first-tenant" data-testid="first-tenant">
      <p className="big-empty__title">No tenants yet</p>
      <p>Each tenant is a schema of its own in this database, with its own role. Create one to start{builtin ? ', or load the demo’s three' : ''}.</p>
      <div className="first-tenant__actions">
        <button type="button" className="button button--primary" onClick={onCreate} data-testid="first-tenant-create">
          Create your first tenant
        </button>
        {builtin && (
          <button type="button" className="button" onClick={() => void loadDemo()} disabled={loading} data-testid="first-tenant-demo">
            {loading ? 'Loading the demo…' : 'Load the demo'}
          </button>
        )}
      </div>
      {error !== undefined && <ErrorMessage title="The demo could not be loaded." message={error} testId="first-tenant-error" />}
    </div>
  )
}
