// One colour per meaning across every text renderer: good (delivered, matched, added), bad (fails, removed,
// errors), unsure (unknown, warnings, changed), quiet (skipped, the pod itself), info. A renderer maps its own
// results to a tone in a table; none picks colours itself.
import { Chalk } from 'chalk';

export type Tone = 'good' | 'bad' | 'unsure' | 'quiet' | 'info';

export type Paint = (tone: Tone, text: string) => string;

export function painter(color: boolean): Paint {
  const ch = new Chalk({ level: color ? 1 : 0 });
  const by: Record<Tone, (s: string) => string> = {
    good: ch.green,
    bad: ch.red,
    unsure: ch.yellow,
    quiet: ch.dim,
    info: ch.blue,
  };
  return (tone, text) => by[tone](text);
}
