import type { Session } from '../auth';
import type { TokenSort, TokenView } from '../families';

const views = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
  ['all', 'All tokens'],
] as const;

interface TokenToolbarProps {
  session: Session;
  knownOwners: readonly string[];
  ownerFilter: string;
  onOwnerFilter: (owner: string) => void;
  view: TokenView;
  onView: (view: TokenView) => void;
  search: string;
  onSearch: (search: string) => void;
  sort: TokenSort;
  onSort: (sort: TokenSort) => void;
}

/** Which tokens the page shows: the admin's user filter, active / inactive / all, a search and the order. */
export function TokenToolbar({
  session,
  knownOwners,
  ownerFilter,
  onOwnerFilter,
  view,
  onView,
  search,
  onSearch,
  sort,
  onSort,
}: TokenToolbarProps) {
  return (
    <div className="toolbar" role="group" aria-label="Which tokens to show">
      {session.admin && (
        <div className="field inline-field">
          <label htmlFor="owner-filter">User</label>
          <select id="owner-filter" value={ownerFilter} onChange={(event) => onOwnerFilter(event.target.value)}>
            <option value="">All users</option>
            {knownOwners.map((user) => (
              <option key={user} value={user}>
                {user}
              </option>
            ))}
          </select>
        </div>
      )}
      <fieldset className="view-switch">
        <legend className="visually-hidden">Show</legend>
        {views.map(([value, label]) => (
          <label key={value} className={view === value ? 'selected' : undefined}>
            <input type="radio" name="token-view" value={value} checked={view === value} onChange={() => onView(value)} />
            {label}
          </label>
        ))}
      </fieldset>
      <div className="field inline-field">
        <label htmlFor="token-search">Search</label>
        <input
          id="token-search"
          type="search"
          value={search}
          placeholder={session.admin ? 'Description or user' : 'Description'}
          onChange={(event) => onSearch(event.target.value)}
        />
      </div>
      <div className="field inline-field">
        <label htmlFor="token-sort">Sort by</label>
        <select id="token-sort" value={sort} onChange={(event) => onSort(event.target.value as TokenSort)}>
          <option value="newest">Newest first</option>
          <option value="expiry">Expiry (soonest first)</option>
          <option value="lastUsed">Last used (most recent first)</option>
        </select>
      </div>
    </div>
  );
}
