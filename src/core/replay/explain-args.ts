// The arguments of one `meshctl explain` call (cli-contract.md "Commands"), read without commander so that a
// replay world can take many calls as plain string arrays (the conformance corpus gives hundreds):
// ['pod-to-pod', 'A', 'B', '--port', '3888'], ['request', 'A', 'http://reviews:9080/', '-H', 'x: 1'].
import { InputError } from '../diagnostics/errors.js';

export type ExplainKind = 'pod-to-pod' | 'request' | 'gateway' | 'inbound';

export interface ExplainArgs {
  readonly kind: ExplainKind;
  readonly positional: string[];
  readonly options: {
    output: string;
    port?: string;
    protocol?: string;
    host?: string;
    path?: string;
    method?: string;
    header?: string[];
    sni?: string;
    from?: string;
  };
}

const ARITY: Record<ExplainKind, number> = { 'pod-to-pod': 2, request: 2, gateway: 1, inbound: 1 };
const VALUED: Record<string, keyof ExplainArgs['options']> = {
  '--port': 'port',
  '--protocol': 'protocol',
  '--host': 'host',
  '--path': 'path',
  '--method': 'method',
  '-H': 'header',
  '--header': 'header',
  '--sni': 'sni',
  '--from': 'from',
};

export function parseExplainArgs(args: readonly string[]): ExplainArgs {
  const [first, ...rest] = args[0] === 'explain' ? args.slice(1) : args;
  if (!first || !(first in ARITY))
    throw new InputError(
      `replay needs an explain call: pod-to-pod, request, gateway or inbound, not ${JSON.stringify(first ?? '')}`,
      'for example: meshctl replay pod-to-pod SRC DST --port 3888 --snapshot DIR',
    );
  const kind = first as ExplainKind;
  const positional: string[] = [];
  const options: ExplainArgs['options'] = { output: 'json' };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const key = VALUED[flag];
    if (key) {
      const v = eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (v === undefined) throw new InputError(`${flag} needs a value`);
      if (key === 'header') options.header = [...(options.header ?? []), v];
      else if (key !== 'output') options[key] = v;
      continue;
    }
    if (a.startsWith('-') && a !== '-')
      throw new InputError(
        `explain ${kind}: unknown option ${a}`,
        `the options are ${Object.keys(VALUED).join(', ')}`,
      );
    positional.push(a);
  }
  if (positional.length !== ARITY[kind])
    throw new InputError(
      `explain ${kind} takes ${ARITY[kind]} argument${ARITY[kind] > 1 ? 's' : ''}, got ${positional.length}: ${positional.join(' ')}`,
    );
  return { kind, positional, options };
}
