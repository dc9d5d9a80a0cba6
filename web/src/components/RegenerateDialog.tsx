import type { IssuedToken, PatApi, TokenMetadata } from '../api';
import { ConfirmDialog } from './ConfirmDialog';
import { TokenName } from './RevokeDialog';

interface RegenerateDialogProps {
  api: PatApi;
  token: TokenMetadata;
  showOwner: boolean;
  onRegenerated: (token: IssuedToken) => void;
  onClose: () => void;
}

/** `POST /tokens/{id}/regenerate`: a rotation started by a person, e.g. when a vendor lost its credentials. */
export function RegenerateDialog({ api, token, showOwner, onRegenerated, onClose }: RegenerateDialogProps) {
  return (
    <ConfirmDialog
      title="Regenerate token?"
      confirmLabel="Regenerate token"
      busyLabel="Regenerating…"
      failure="The token was not regenerated"
      tone="primary"
      questionId="regenerate-question"
      onClose={onClose}
      onConfirm={async () => onRegenerated(await api.regenerateToken(token.id))}
    >
      <p>
        Regenerate <TokenName token={token} showOwner={showOwner} />? You get a new access token and refresh key, with the same scopes and
        IP entries, shown once. The current access token keeps working for the grace period (a minute by default), then stops; the current
        refresh key stops at once.
      </p>
    </ConfirmDialog>
  );
}
