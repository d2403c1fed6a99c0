// Parses the duration strings chains use ("500ms", "30s", "5m", "2h", "1d").

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Matches a duration string such as `30s` or `1.5h`. */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Returns the duration in milliseconds, or `undefined` when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** Like {@link parseDuration} but throws with the offending text. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`"${text}" is not a duration; write e.g. "500ms", "30s", "5m", "2h" or "1d"`);
  return ms;
}
