// Which parameter values are secret references: only text the chain file wrote literally.
/** True for text that is a secret reference (`env:NAME` or `enc:v1:...`) rather than a literal. */
export function isSecretReference(text: string): boolean {
  return text.startsWith('env:') || text.startsWith('enc:v1:');
}

/**
 * The paths under a step's `with` whose chain text is literally a secret reference (no tokens).
 * Only these are ever resolved: a rendered value that happens to read `env:NAME` is data.
 * `localParams` is left out: it only feeds tokens, and tokens never resolve secrets.
 */
export function literalSecretPaths(raw: unknown): (string | number)[][] {
  const found: (string | number)[][] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    if (typeof v === 'string') {
      if (isSecretReference(v) && !v.includes('{{')) found.push(at);
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...at, i]));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) if (!(at.length === 0 && k === 'localParams')) walk(item, [...at, k]);
    }
  };
  walk(raw, []);
  return found;
}
