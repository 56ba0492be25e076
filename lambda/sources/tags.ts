/**
 * A certificate's tags in its store, for routing its alert to the team that owns it
 * (docs/routing.md). Read only for reported certificates (`enrich`) and best effort: a store that
 * refuses or throttles the call leaves the record without tags (it goes to the default owner), never
 * without its details.
 */
import type { CertificateRecord } from '../core/certificate';

export interface StoreTag {
  readonly Key?: string;
  readonly Value?: string;
}

/** `record` with the tags `read` returns; unchanged when there are none or the read fails. */
export const withStoreTags = async (
  record: CertificateRecord,
  read: () => Promise<readonly StoreTag[] | undefined>,
): Promise<CertificateRecord> => {
  let tags: readonly StoreTag[] | undefined;
  try {
    tags = await read();
  } catch {
    return record;
  }
  const map = Object.fromEntries(
    (tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']),
  );
  return Object.keys(map).length > 0 ? { ...record, tags: map } : record;
};
