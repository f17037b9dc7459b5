import { Component, type ErrorInfo, type ReactNode } from 'react'

interface State {
  error: Error | undefined
}

/** The last line of defence: a render error becomes a message with a way out, never a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: undefined }

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) }
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('schemata: the UI crashed', error, info.componentStack)
  }

  override render(): ReactNode {
    const { error } = this.state
    if (!error) return this.props.children
    return (
      <div className="crash" role="alert" data-testid="crash">
        <h1>Something went wrong</h1>
        <p>The console hit an error it could not recover from. Your data is safe: nothing is lost by reloading.</p>
        <pre className="crash__message">{error.message}</pre>
        <div className="form__actions">
          <button type="button" className="button" onClick={() => this.setState({ error: undefined })}>
            Try again
          </button>
          <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </div>
    )
  }
}
