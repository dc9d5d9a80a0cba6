import { useState } from 'react';
import type { PatApi, TokenMetadata } from '../api';
import { Modal } from './Modal';

interface RevokeDialogProps {
  api: PatApi;
  token: TokenMetadata;
  /** Admins revoke other users' tokens: name the owner too. */
  showOwner: boolean;
  onRevoked: (token: TokenMetadata) => void;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}

export function RevokeDialog({ api, token, showOwner, onRevoked, onClose, returnFocus }: RevokeDialogProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function revoke() {
    setBusy(true);
    setError(undefined);
    try {
      onRevoked(await api.revokeToken(token.id));
    } catch (failure) {
      setError(`The token was not revoked: ${failure instanceof Error ? failure.message : String(failure)}`);
      setBusy(false);
    }
  }

  return (
    <Modal title="Revoke token?" onClose={onClose} role="alertdialog" describedBy="revoke-question" returnFocus={returnFocus}>
      <p id="revoke-question">
        Revoke <strong>“{token.description}”</strong>
        {showOwner && (
          <>
            {' '}
            of <strong>{token.owner}</strong>
          </>
        )}
        ? Programs using it will be refused (within about 30 seconds, as caches expire), and its refresh key stops working. This cannot be undone.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="danger" onClick={revoke} disabled={busy}>
          {busy ? 'Revoking…' : 'Revoke token'}
        </button>
        <button type="button" className="secondary" onClick={onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
