import { useEffect, useState } from 'react';
import type { PatApi } from '../api';
import { descriptionKey } from '../validation';

/**
 * The descriptions of `owner`'s active tokens, by their comparison key: a description is unique
 * among them, so the create form says so while the user types. Read again when the owner changes
 * (after a pause, for an admin typing a user id); undefined until read, or for another owner.
 */
export function useActiveDescriptions(
  api: PatApi,
  owner: string,
  ownerIsValid: boolean,
  admin: boolean,
): ReadonlyMap<string, string> | undefined {
  const [read, setRead] = useState<{ owner: string; keys: ReadonlyMap<string, string> }>();
  useEffect(() => {
    if (!ownerIsValid) return;
    let cancelled = false;
    const timer = setTimeout(
      () => {
        api
          .listAll({ status: 'active', owner: admin ? owner : undefined })
          .then((tokens) => {
            if (!cancelled)
              setRead({ owner, keys: new Map(tokens.map((token) => [descriptionKey(token.description), token.description])) });
          })
          .catch(() => {
            // Not fatal: the service refuses a duplicate on submit, and that answer is shown too.
          });
      },
      admin ? 300 : 0,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, owner, ownerIsValid, admin]);
  return read?.owner === owner ? read.keys : undefined;
}
