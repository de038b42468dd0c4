import { existsSync } from "node:fs";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";

/**
 * Headless Chromium for the e2e tests: Debian's `chromium` package driven by playwright-core
 * (../shared/research/realparts.md §1). No browser download: without a chromium binary the
 * e2e suites are skipped with a printed reason, so a fresh clone still passes `npm test`.
 */

// CHROMIUM_PATH, when set, is the only candidate (CHROMIUM_PATH=/nonexistent shows the skip).
// Otherwise the real binary first: /usr/bin/chromium is a shell wrapper that prints noise on some hosts.
const CANDIDATES = process.env["CHROMIUM_PATH"] ? [process.env["CHROMIUM_PATH"]]
  : ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The chromium executable found on this machine, or null. */
export const chromiumPath: string | null = CANDIDATES.find((p) => existsSync(p)) ?? null;

/** Why the e2e suites are skipped (printed once per file), or null when they run. */
export const skipReason: string | null = chromiumPath ? null
  : `e2e browser tests skipped: no chromium executable found (looked for ${CANDIDATES.join(", ")}). ` +
    "Install it with `apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM_PATH.";
if (skipReason) console.warn(skipReason);

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * The browser's globals, for code that runs inside the page (page.evaluate, init scripts).
 * tsconfig leaves the DOM lib out on purpose (server code must not see `window`), so in-page
 * callbacks take them from globalThis with this loose type: `const { document } = globalThis as unknown as InPage;`
 */
export type InPage = { document: any; window: any };

/** French first, like the node: the browser asks for fr unless a test says otherwise. */
const DEFAULT_CONTEXT: BrowserContextOptions = { locale: "fr-FR", viewport: { width: 1280, height: 900 } };

/** A page plus what went wrong in it: console errors, uncaught exceptions, CSP violations. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

/**
 * Launches one browser for the enclosing describe block (call it inside `describe`), closed after.
 * `open()` gives a page in a fresh context (its own cookies), watched for problems.
 */
export function useBrowser() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath!, args: ARGS });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error("browser not launched yet (use it inside a test)");
      return browser;
    },
    async open(options: BrowserContextOptions = {}): Promise<WatchedPage> {
      if (!browser) throw new Error("browser not launched yet (use it inside a test)");
      const context = await browser.newContext({ ...DEFAULT_CONTEXT, ...options });
      contexts.push(context);
      // Fail a missing element with Playwright's message, before the suites' test timeout (90 s);
      // generous because CI machines are small and shared.
      context.setDefaultTimeout(30_000);
      const page = await context.newPage();
      return { page, context, problems: await watch(page) };
    },
  };
}

/**
 * Records console errors, page errors and CSP violations of a page (and of every page it
 * opens later in the same context). Chromium reports a CSP block both as a console error
 * ("Refused to … Content Security Policy") and as a `securitypolicyviolation` DOM event; the
 * event is caught by an init script that reports through a binding (neither is subject to CSP).
 */
export async function watch(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()} @ ${msg.location().url}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("crash", () => problems.push("page crashed"));
  await page.exposeBinding("__reportCsp", (_source, text: string) => { problems.push(`csp: ${text}`); });
  await page.addInitScript(() => {
    const { document, window } = globalThis as unknown as InPage;
    document.addEventListener("securitypolicyviolation", (e: { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number }) => {
      window.__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return problems;
}

/**
 * For a describe block that tells one story step by step: once a step fails, the later steps
 * are skipped (they would only fail for the same reason, each after a timeout).
 */
export function stopAfterFirstFailure(): void {
  let failed: string | null = null;
  beforeEach((ctx) => {
    if (failed) ctx.skip(`an earlier step failed: ${failed}`);
    ctx.onTestFailed(() => { failed = ctx.task.name; });
  });
}

/**
 * Marks the current document, so a test can tell an htmx swap (marker kept) from a full
 * page load (marker gone).
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => { (globalThis as unknown as InPage).window.__e2eMark = 1; });
}

/** True if the document marked by markDocument() is still the one shown (no reload). */
export async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as InPage).window.__e2eMark === 1);
}
