/** The lines every console page shows above its content: what just happened, and what could not be loaded. */

/** The outcome of the last action, announced politely (the line is always there, so screen readers notice a change). */
export function NoticeLine({ notice }: { notice: string }) {
  return (
    <p className="notice-line" role="status">
      {notice}
    </p>
  );
}

/** What could not be loaded, and why; with a Try again button when there is a way to retry. */
export function LoadError({ what, error, onRetry }: { what: string; error: string; onRetry?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <p>
        {what}: {error}
      </p>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
