import { useState } from 'react';
import type { PatApi, RevokedToken, TokenMetadata } from '../api';
import { Modal } from './Modal';

interface RevokeDialogProps {
  api: PatApi;
  token: TokenMetadata;
  /** Admins revoke other users' tokens: name the owner too. */
  showOwner: boolean;
  /** `newestGeneration`: of the first of `revokedTokenIds`, when the addressed token is not the newest. */
  onRevoked: (token: RevokedToken, newestGeneration?: number) => void;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}

export function RevokeDialog({ api, token, showOwner, onRevoked, onClose, returnFocus }: RevokeDialogProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function revoke() {
    setBusy(true);
    setError(undefined);
    let revoked: RevokedToken;
    try {
      revoked = await api.revokeToken(token.id);
    } catch (failure) {
      setError(`The token was not revoked: ${failure instanceof Error ? failure.message : String(failure)}`);
      setBusy(false);
      return;
    }
    // Addressed by an older member: the newest one revoked names the credential's generation.
    const newestId = revoked.revokedTokenIds?.[0];
    const newestGeneration =
      newestId !== undefined && newestId !== revoked.id ? await api.getToken(newestId).then((newest) => newest.generation, () => undefined) : undefined;
    onRevoked(revoked, newestGeneration);
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
        ? Programs using it will be refused (within seconds, as caches expire), and its refresh key stops working — for every generation of it, including one just replaced by a refresh and still in its grace period. This cannot be undone.
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
