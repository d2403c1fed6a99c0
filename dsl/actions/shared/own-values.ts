// Which values a template reads: the checks that keep results from choosing where a request goes.
import { inspectTemplate, isTemplate } from '../../template';

/**
 * True when a template reads nothing but the chain's params and the configuration's globals: values
 * the chain author and the operator chose (params a caller overrides come with an API token), never
 * results, the trigger or step outputs. Templates that do not parse are reported elsewhere.
 */
export function readsOnlyOwnValues(text: string): boolean {
  if (!isTemplate(text)) return true;
  try {
    const { uses, optional } = inspectTemplate(text);
    return [...uses, ...optional].every((u) => u.path[0] === 'params' || u.path[0] === 'globals') && !/\{\{\s*[#^]/.test(text);
  } catch {
    return true;
  }
}
