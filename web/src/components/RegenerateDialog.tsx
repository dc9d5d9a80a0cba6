import { useState } from 'react';
import type { IssuedToken, PatApi, TokenMetadata } from '../api';
import { Modal } from './Modal';

interface RegenerateDialogProps {
  api: PatApi;
  token: TokenMetadata;
  showOwner: boolean;
  onRegenerated: (token: IssuedToken) => void;
  onClose: () => void;
}

/** `POST /tokens/{id}/regenerate`: a rotation started by a person, e.g. when a vendor lost its credentials. */
export function RegenerateDialog({ api, token, showOwner, onRegenerated, onClose }: RegenerateDialogProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function regenerate() {
    setBusy(true);
    setError(undefined);
    try {
      onRegenerated(await api.regenerateToken(token.id));
    } catch (failure) {
      setError(`The token was not regenerated: ${failure instanceof Error ? failure.message : String(failure)}`);
      setBusy(false);
    }
  }

  return (
    <Modal title="Regenerate token?" onClose={onClose} role="alertdialog" describedBy="regenerate-question">
      <p id="regenerate-question">
        Regenerate <strong>“{token.description}”</strong>
        {showOwner && (
          <>
            {' '}
            of <strong>{token.owner}</strong>
          </>
        )}
        ? You get a new access token and refresh key, with the same scopes and IP entries, shown once. The current access token keeps
        working for the grace period (a minute by default), then stops; the current refresh key stops at once.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={regenerate} disabled={busy}>
          {busy ? 'Regenerating…' : 'Regenerate token'}
        </button>
        <button type="button" className="secondary" onClick={onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
