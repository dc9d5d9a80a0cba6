import { useId, useLayoutEffect, useRef, type ReactNode } from 'react';

interface ModalProps {
  title: ReactNode;
  /** Escape, or the dialog's own buttons. */
  onClose: () => void;
  children: ReactNode;
  /** Where focus goes on close; when it answers nothing, back to the element that opened the dialog. */
  returnFocus?: () => HTMLElement | null | undefined;
  role?: 'dialog' | 'alertdialog';
  describedBy?: string;
  size?: 'small' | 'large';
}

/**
 * A modal on the native `<dialog>`: the browser traps focus, makes the page behind inert and
 * closes on Escape. Mount it to open it; focus goes to the element marked `data-autofocus`.
 */
export function Modal({ title, onClose, children, returnFocus, role = 'dialog', describedBy, size = 'small' }: ModalProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const returnFocusRef = useRef(returnFocus);
  returnFocusRef.current = returnFocus;

  useLayoutEffect(() => {
    const dialog = dialogRef.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      dialog.close();
      // After React has removed the dialog; unless another dialog took over (create → shown once).
      setTimeout(() => {
        if (document.querySelector('dialog[open]')) return;
        const target = returnFocusRef.current?.() ?? (opener?.isConnected ? opener : null);
        target?.focus();
      }, 0);
    };
  }, []);

  return (
    <dialog
      ref={dialogRef}
      className={`modal modal-${size}`}
      role={role === 'alertdialog' ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(event) => {
        event.preventDefault();
        onCloseRef.current();
      }}
    >
      <h2 id={titleId} className="modal-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
