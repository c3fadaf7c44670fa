// Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol with `ws`: opens a page,
// evaluates expressions in it (clicks included) and closes everything. Tests that need it skip, saying why,
// when no Chromium is installed; .ci/run installs it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export function findChromium(): string | undefined {
  for (const c of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'])
    if (c && spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0) return c;
  return undefined;
}

export type Evaluate = (expression: string) => Promise<unknown>;

interface Reply {
  id?: number;
  method?: string;
  sessionId?: string;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** Opens `url` in a fresh headless Chromium, runs `use` with an evaluator, then shuts Chromium down. */
export async function withPage<T>(
  chromium: string,
  url: string,
  use: (evaluate: Evaluate) => Promise<T>,
): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'meshctl-chromium-'));
  const browser = spawn(chromium, [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    'about:blank',
  ]);
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 20_000);
      browser.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      browser.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${err}`)));
    });
    const ws = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let next = 0;
    const pending = new Map<number, (r: Reply) => void>();
    const waiters: Array<{ method: string; resolve: () => void }> = [];
    ws.on('message', (data: Buffer) => {
      const r = JSON.parse(data.toString()) as Reply;
      if (r.id !== undefined) pending.get(r.id)?.(r);
      for (const w of waiters.filter((x) => x.method === r.method)) w.resolve();
    });
    const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = ++next;
        pending.set(id, (r) =>
          r.error ? reject(new Error(`${method}: ${r.error.message}`)) : resolve(r.result ?? {}),
        );
        ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      });
    const event = (method: string) => new Promise<void>((resolve) => waiters.push({ method, resolve }));
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    await send('Page.enable', {}, sessionId);
    const loaded = event('Page.loadEventFired');
    await send('Page.navigate', { url }, sessionId);
    await loaded;
    const evaluate: Evaluate = async (expression) => {
      const r = (await send(
        'Runtime.evaluate',
        { expression, returnByValue: true, awaitPromise: true },
        sessionId,
      )) as {
        result: { value?: unknown };
        exceptionDetails?: { text: string };
      };
      if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.text}`);
      return r.result.value;
    };
    try {
      return await use(evaluate);
    } finally {
      // close gracefully, so no helper process still writes into the profile when it is removed
      await send('Browser.close').catch(() => undefined);
      ws.close();
    }
  } finally {
    if (browser.exitCode === null) {
      const exited = new Promise((resolve) => browser.once('exit', resolve));
      const timer = setTimeout(() => browser.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
