// Typechecked with the workbench (workbench-ui/tsconfig.json): it runs code in the page, with the DOM types.
// The chat page in Debian's Chromium against a real kernel serving the production build: bytes on
// the wire for the first load, and time to interactive, cold (empty cache) and warm: from
// navigation start until the chat view has mounted its composer (the mark it sets), which the
// bench then types into. Medians of --runs loads each.
//   npm run bench:workbench [-- --runs 10]
import { parseArgs } from 'node:util';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestKernel } from '../kernel/test/harness.ts';
import { ensureBuilt, freePort, launchChromium } from '../workbench-ui/test/browser-harness.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await ensureBuilt();
const port = await freePort();
const k = await startTestKernel({ config: { port, publicUrl: `http://127.0.0.1:${port}` } });
const browser = await launchChromium();
try {
  const context = await browser.newContext({ baseURL: k.url, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.fill('#signin-email', ADMIN_EMAIL);
  await page.fill('#signin-password', ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/signin');

  const cdp = await context.newCDPSession(page);
  const measure = async (cold: boolean) => {
    if (cold) await cdp.send('Network.clearBrowserCache');
    await page.goto('/chat');
    const composer = page.getByRole('textbox').last();
    await composer.waitFor();
    // Interactive: the composer is there and takes input.
    await composer.fill('x');
    return page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const rendered = performance.getEntriesByName('penny:chat-rendered').at(-1);
      const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.name.includes('/assets/'));
      return {
        interactive: Math.round(rendered?.startTime ?? Number.NaN),
        domInteractive: Math.round(nav.domInteractive),
        encoded: assets.reduce((sum, r) => sum + r.encodedBodySize, 0) + nav.encodedBodySize,
        decoded: assets.reduce((sum, r) => sum + r.decodedBodySize, 0) + nav.decodedBodySize,
      };
    });
  };
  await cdp.send('Network.enable');
  const rows: string[] = [];
  for (const cold of [true, false]) {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await measure(cold));
    rows.push(
      [
        (cold ? 'cold' : 'warm').padEnd(6),
        String(median(samples.map((s) => s.domInteractive))).padStart(18),
        String(median(samples.map((s) => s.interactive))).padStart(22),
        (median(samples.map((s) => s.encoded)) / 1024).toFixed(1).padStart(16),
        (median(samples.map((s) => s.decoded)) / 1024).toFixed(1).padStart(16),
      ].join(' '),
    );
  }
  console.log(`\nThe chat page (/chat, signed in), production build served by the kernel, Chromium headless; medians of ${runs} loads`);
  console.log('cache  domInteractive ms  composer usable ms  wire kB (br)  decoded kB');
  for (const row of rows) console.log(row);
} finally {
  await browser.close();
  await k.stop();
}
process.exit(0);
