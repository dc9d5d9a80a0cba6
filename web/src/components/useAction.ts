import { useState } from 'react';

/**
 * A button's asynchronous action: `busy` while it runs; when it fails, `error` says so in the words
 * of `failureMessage` and the button works again. On success it stays busy: the caller moves on
 * (a dialog closes, the page changes).
 */
export function useAction(failureMessage: (reason: string) => string) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failureMessage(failure instanceof Error ? failure.message : String(failure)));
      setBusy(false);
    }
  }
  return { busy, error, run };
}
