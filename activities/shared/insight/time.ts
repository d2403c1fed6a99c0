// Timestamps for peers: a time without a zone is read as UTC and always sent with one.

const ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/**
 * The instant an Insight timestamp names, as an ISO 8601 string in UTC (`…Z`), or undefined
 * when it names none. Cloud SIEM writes some timestamps without a zone
 * (`2021-05-13T18:23:24.283`); JavaScript would read those in the worker's local zone, so
 * they are read as UTC, which is what the SIEM means. Epoch milliseconds are accepted too.
 */
export function utcTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? isoOrUndefined(new Date(value)) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d{10,16}$/.test(text)) return isoOrUndefined(new Date(Number(text)));
  if (LOCAL_DATE_TIME.test(text)) return isoOrUndefined(new Date(`${text.replace(' ', 'T')}Z`));
  const zone = ZONE.exec(text);
  if (zone && /^\d{4}-\d{2}-\d{2}T/.test(text)) {
    // `+0000` (PagerDuty's own examples write it so) is not in the Date grammar; `+00:00` is.
    const offset = zone[1].toUpperCase() === 'Z' ? 'Z' : zone[1].length === 5 ? `${zone[1].slice(0, 3)}:${zone[1].slice(3)}` : zone[1].length === 3 ? `${zone[1]}:00` : zone[1];
    return isoOrUndefined(new Date(text.slice(0, text.length - zone[1].length) + offset));
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return isoOrUndefined(new Date(`${text}T00:00:00Z`));
  return undefined;
}

function isoOrUndefined(date: Date): string | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
