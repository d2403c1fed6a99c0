// Links riposte puts in a notification: only http(s) URLs, normalised, so a link in an Insight cannot run script or open a local file.

/** The URL normalised by the WHATWG parser when it is an absolute http or https URL, else undefined. */
export function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
