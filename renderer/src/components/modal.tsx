import { useEffect, useRef, type ReactNode } from 'react'

export interface ModalProps {
  title: string
  onClose: () => void
  children: ReactNode
  testId?: string
  className?: string
  /** Shown as the heading; the palette hides it visually and keeps it for screen readers. */
  hideTitle?: boolean
}

/**
 * A modal dialog: an overlay that closes on Escape, a click outside or its ×,
 * keeps Tab inside, and gives focus back to where it was when it closes. It
 * never grows past the viewport: the title bar stays, the body scrolls.
 */
export function Modal({ title, onClose, children, testId, className, hideTitle }: ModalProps) {
  const ref = useRef<HTMLDivElement>(null)
  const titleId = useRef(`modal-${Math.random().toString(36).slice(2)}`).current

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const first = ref.current?.querySelector<HTMLElement>('[autofocus], input, select, textarea, button')
    first?.focus()
    return () => previous?.focus()
  }, [])

  return (
    <div
      className="modal-overlay"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose()
      }}
    >
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className={`modal ${className ?? ''}`}
        data-testid={testId}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation()
            onClose()
          } else if (event.key === 'Tab') {
            const focusable = [...(ref.current?.querySelectorAll<HTMLElement>('input, select, textarea, button, [tabindex="0"]') ?? [])].filter(
              (el) => !el.hasAttribute('disabled'),
            )
            const first = focusable[0]
            const last = focusable[focusable.length - 1]
            if (event.shiftKey && document.activeElement === first) {
              event.preventDefault()
              last?.focus()
            } else if (!event.shiftKey && document.activeElement === last) {
              event.preventDefault()
              first?.focus()
            }
          }
        }}
      >
        {hideTitle ? (
          <h2 id={titleId} className="visually-hidden">
            {title}
          </h2>
        ) : (
          <div className="modal__head">
            <h2 id={titleId} className="modal__title">
              {title}
            </h2>
            <button type="button" className="modal__close" onClick={onClose} aria-label="Close dialog" data-testid="modal-close">
              ×
            </button>
          </div>
        )}
        <div className="modal__body">{children}</div>
      </div>
    </div>
  )
}
