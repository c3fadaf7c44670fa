// Rules are declared, not improvised (architecture.md rule 5): metadata checked here, once, at load.
import type { Rule } from './types.js';

export function defineRule(rule: Rule): Rule {
  if (!/^MESH\d{4}$/.test(rule.code)) throw new Error(`rule ${rule.id}: code ${rule.code} is not MESH####`);
  if (!/^[a-z]+(-[a-z0-9]+)*$/.test(rule.id))
    throw new Error(`rule ${rule.code}: id ${rule.id} is not kebab-case`);
  for (const [field, text] of [
    ['description', rule.description],
    ['fix', rule.fix],
  ] as const)
    if (!/^[A-Z]/.test(text) || !text.endsWith('.'))
      throw new Error(`rule ${rule.code}: ${field} must start uppercase and end with a period`);
  return rule;
}
