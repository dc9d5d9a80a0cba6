import type { PatApi, RevokedToken, TokenMetadata } from '../api';
import { ConfirmDialog } from './ConfirmDialog';

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

/** “Payroll feed” of alice: how a confirmation names the token it acts on. */
export function TokenName({ token, showOwner }: { token: TokenMetadata; showOwner: boolean }) {
  return (
    <>
      <strong>“{token.description}”</strong>
      {showOwner && (
        <>
          {' '}
          of <strong>{token.owner}</strong>
        </>
      )}
    </>
  );
}

export function RevokeDialog({ api, token, showOwner, onRevoked, onClose, returnFocus }: RevokeDialogProps) {
  async function revoke() {
    const revoked = await api.revokeToken(token.id);
    // Addressed by an older member: the newest one revoked names the credential's generation.
    const newestId = revoked.revokedTokenIds?.[0];
    const newestGeneration =
      newestId !== undefined && newestId !== revoked.id
        ? await api.getToken(newestId).then(
            (newest) => newest.generation,
            () => undefined,
          )
        : undefined;
    onRevoked(revoked, newestGeneration);
  }

  return (
    <ConfirmDialog
      title="Revoke token?"
      confirmLabel="Revoke token"
      busyLabel="Revoking…"
      failure="The token was not revoked"
      questionId="revoke-question"
      onClose={onClose}
      onConfirm={revoke}
      returnFocus={returnFocus}
    >
      <p>
        Revoke <TokenName token={token} showOwner={showOwner} />? Programs using it will be refused (within seconds, as caches expire), and
        its refresh key stops working — for every generation of it, including one just replaced by a refresh and still in its grace period.
        This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
