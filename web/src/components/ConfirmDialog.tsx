import type { ReactNode } from 'react';
import { Modal } from './Modal';
import { useAction } from './useAction';

interface ConfirmDialogProps {
  title: string;
  /** The question, read out as the dialog's description. */
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  /** Throws to keep the dialog open with the error shown. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
  /** What failed, as in "The tokens were not revoked". */
  failure: string;
  /** `danger` for what cannot be undone (revoke, reject); `primary` for what can be lived with (regenerate). */
  tone?: 'danger' | 'primary';
  /** The id of the question, which the dialog names in `aria-describedby`. */
  questionId?: string;
  returnFocus?: () => HTMLElement | null;
}

/** An action asked once; Cancel (the safe choice) has the focus. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busyLabel,
  onConfirm,
  onClose,
  failure,
  tone = 'danger',
  questionId = 'confirm-question',
  returnFocus,
}: ConfirmDialogProps) {
  const { busy, error, run } = useAction((reason) => `${failure}: ${reason}`);
  return (
    <Modal title={title} onClose={onClose} role="alertdialog" describedBy={questionId} returnFocus={returnFocus}>
      <div id={questionId}>{children}</div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className={tone} disabled={busy} onClick={() => run(onConfirm)}>
          {busy ? busyLabel : confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
