import { useId, useState } from 'react';
import type { IssuedToken } from '../api';
import { formatDateTime } from '../format';
import { credentialsFile, credentialsFileName, isPending } from '../governance';
import { describeScopes } from '../scopes';
import { Modal } from './Modal';

async function copyText(text: string, fallbackSource: HTMLTextAreaElement | null): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard permission (or an insecure origin): select the text and copy it the old way.
    fallbackSource?.select();
    if (!document.execCommand('copy')) throw new Error('copy refused');
  }
}

function SecretField({ label, value, hint }: { label: string; value: string; hint: string }) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  return (
    <div className="field secret">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        readOnly
        value={value}
        rows={value.length > 120 ? 4 : 2}
        spellCheck={false}
        aria-describedby={`${id}-hint`}
        onFocus={(event) => event.target.select()}
      />
      <p id={`${id}-hint`} className="hint">
        {hint}
      </p>
      <div className="inline">
        <button
          type="button"
          className="primary"
          data-autofocus={label === 'Access token' ? true : undefined}
          onClick={async () => {
            try {
              await copyText(value, document.getElementById(id) as HTMLTextAreaElement | null);
              setCopied('yes');
            } catch {
              setCopied('failed');
            }
          }}
        >
          Copy {label.toLowerCase()}
        </button>
        <span role="status" className={copied === 'failed' ? 'error' : 'success'}>
          {copied === 'yes' && `${label} copied to the clipboard.`}
          {copied === 'failed' && 'Could not copy: select the text above and press Ctrl+C (⌘C on a Mac).'}
        </span>
      </div>
    </div>
  );
}

/** Saves the credentials file `pat refresh --credentials FILE` reads, built in the page: the secrets go nowhere else. */
function CredentialsDownload({ token, apiUrl }: { token: IssuedToken; apiUrl: string }) {
  const [saved, setSaved] = useState(false);
  const fileName = credentialsFileName(token.description);
  return (
    <div className="field secret">
      <p>
        <strong>Credentials file for the vendor</strong>
      </p>
      <p id="credentials-file-hint" className="hint">
        A JSON file with the API address, the access token and the refresh key, as <code>pat refresh --credentials {fileName}</code> reads
        and rewrites it at each rotation. Send it the way you would send a password, and delete your copy once it is delivered.
      </p>
      <div className="inline">
        <button
          type="button"
          className="secondary"
          aria-describedby="credentials-file-hint"
          onClick={() => {
            const url = URL.createObjectURL(new Blob([credentialsFile(token, apiUrl, window.location.href)], { type: 'application/json' }));
            const link = document.createElement('a');
            link.href = url;
            link.download = fileName;
            document.body.append(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(url), 0);
            setSaved(true);
          }}
        >
          Download credentials file
        </button>
        <span role="status" className="success">
          {saved && `Saved as ${fileName}.`}
        </span>
      </div>
    </div>
  );
}

/**
 * The only time the access token and refresh key are visible. Closing the dialog drops them: the
 * parent holds them in state for as long as this is open, and nowhere else.
 */
interface ShownOnceDialogProps {
  token: IssuedToken;
  /** The management API's base URL (may be relative to the page), written into the credentials file. */
  apiUrl: string;
  /** A regenerated token: the previous secrets stop working after the grace period. */
  regenerated?: boolean;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}

export function ShownOnceDialog({ token, apiUrl, regenerated = false, onClose, returnFocus }: ShownOnceDialogProps) {
  return (
    <Modal
      title={`${regenerated ? 'Token regenerated' : 'Token created'}: “${token.description}”`}
      onClose={onClose}
      size="large"
      describedBy="shown-once-warning"
      returnFocus={returnFocus}
    >
      <div id="shown-once-warning" className="warning-box">
        <p>
          <strong>Copy the access token and the refresh key now. They will not be shown again.</strong>
        </p>
        <p>The service keeps neither in clear. If you lose them, revoke this token and create a new one.</p>
        {regenerated && (
          <p>
            The previous access token and refresh key stop working once the grace period ends: give these to whoever uses the token now.
          </p>
        )}
        {isPending(token) && (
          <p>
            <strong>Waiting for approval:</strong> the token works once an admin of the tenant approves it.
          </p>
        )}
      </div>
      <dl className="summary">
        <dt>Owner</dt>
        <dd>{token.owner}</dd>
        <dt>Scopes</dt>
        <dd>{describeScopes(token.scopes).join(', ')}</dd>
        <dt>Expires</dt>
        <dd>{token.expiresAt ? formatDateTime(token.expiresAt) : 'Never'}</dd>
        <dt>Allowed IPs</dt>
        <dd>{token.allowedIps.length > 0 ? token.allowedIps.join(', ') : 'Any address'}</dd>
      </dl>
      <SecretField
        label="Access token"
        value={token.accessToken}
        hint="Programs send it as the header Authorization: Bearer <access token>."
      />
      <SecretField
        label="Refresh key"
        value={token.refreshKey}
        hint="Exchanges this token for a new one (and a new key) with POST /tokens/refresh, without a person. Keep it as secret as the token."
      />
      <CredentialsDownload token={token} apiUrl={apiUrl} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onClose}>
          Done: I have copied them
        </button>
      </div>
    </Modal>
  );
}
