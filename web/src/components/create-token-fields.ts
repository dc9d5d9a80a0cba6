import type { ExpiryChoice } from './ExpiryField';
import { expiryControl } from './ExpiryField';
import { ipFieldOfDetail, type IpEntryRow } from './IpEntriesField';

/** The fields of the create form a problem can be shown next to; `ip:<row key>` for one IP entry. */
export type CreateField = 'owner' | 'description' | 'expiry' | 'scopes' | 'ipList' | 'justification' | `ip:${number}`;

/** The fields with a problem in `errors`, in the order the form reads (the first is focused). */
export function fieldsInOrder(errors: Partial<Record<CreateField, string>>, ipEntries: readonly IpEntryRow[]): CreateField[] {
  const order: CreateField[] = [
    'owner',
    'description',
    'expiry',
    'scopes',
    ...ipEntries.map((entry): CreateField => `ip:${entry.key}`),
    'ipList',
  ];
  return order.filter((field) => errors[field] !== undefined);
}

/** The id of the control to focus for a field with a problem. */
export function controlOf(field: CreateField, expiry: ExpiryChoice): string {
  if (field === 'owner') return 'create-owner';
  if (field === 'description') return 'create-description';
  if (field === 'expiry') return expiryControl(expiry);
  if (field === 'scopes') return 'scopes-selected';
  if (field === 'ipList') return 'ip-entries-add';
  if (field === 'justification') return 'create-justification';
  return `ip-entry-${field.slice(3)}`;
}

/** Where a field named in the service's `details` is shown. */
export function createFieldOfDetail(field: string, filledIps: readonly IpEntryRow[]): CreateField | undefined {
  if (field === 'owner' || field === 'description') return field;
  if (field === 'expiresAt' || field === 'expiresInDays') return 'expiry';
  if (field.startsWith('scopes')) return 'scopes';
  return ipFieldOfDetail(field, filledIps);
}
