import { AsyncLocalStorage } from 'node:async_hooks'
import { Sequelize, type Transaction } from 'sequelize'

/**
 * Sequelize finds "the current transaction" through a CLS namespace
 * (`get`/`set`/`run`/`bind`). This adapter backs it with AsyncLocalStorage, so a
 * model call inside `withTenant` joins the scoped transaction without being
 * handed it — and a call outside any scope gets no transaction at all.
 */
class AsyncLocalNamespace {
  private readonly storage = new AsyncLocalStorage<Map<string, unknown>>()

  run<T>(fn: (context: Map<string, unknown>) => T): T {
    // Copy the parent context so a nested transaction sees, then shadows, the outer one.
    const context = new Map(this.storage.getStore() ?? [])
    return this.storage.run(context, () => fn(context))
  }

  get(key: string): unknown {
    return this.storage.getStore()?.get(key)
  }

  set(key: string, value: unknown): void {
    this.storage.getStore()?.set(key, value)
  }

  bind<F extends (...args: never[]) => unknown>(fn: F): F {
    return fn
  }
}

let installed = false
const namespace = new AsyncLocalNamespace()

/** Installs the AsyncLocalStorage namespace into Sequelize once per process. */
export function installSequelizeContext(): void {
  if (installed) return
  Sequelize.useCLS(namespace)
  installed = true
}

/** Runs `fn` with `transaction` as Sequelize's current transaction, as `sequelize.transaction(fn)` would. */
export function runWithSequelizeTransaction<T>(transaction: Transaction, fn: () => Promise<T>): Promise<T> {
  return namespace.run((context) => {
    context.set('transaction', transaction)
    return fn()
  })
}
