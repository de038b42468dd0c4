/** A tiny browser-like HTTP client for tests: keeps cookies, sends the CSRF token like our forms do. */
export class HttpClient {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** The CSRF token our pages embed in forms (taken from the cookie, as the page would). */
  get csrf(): string {
    return this.cookies.get("fb_csrf") ?? this.cookies.get("__Host-fb_csrf") ?? "";
  }

  /** Sends a request without following redirects. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("Cookie", this.cookieHeader());
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: "manual" });
    this.remember(res);
    return res;
  }

  /** GET; the first GET also obtains the CSRF cookie. */
  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    // Like a browser: pages, not JSON-LD, unless the test asks otherwise.
    return this.request(path, { headers: { Accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", ...headers } });
  }

  /** Posts a urlencoded form with the CSRF token, as a browser would from our pages. */
  async submit(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    if (!this.csrf) await this.get("/");
    const body = new URLSearchParams({ _csrf: this.csrf, ...fields });
    return this.request(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers } });
  }

  /** GET and read the body as text. */
  async text(path: string): Promise<{ status: number; body: string; res: Response }> {
    const res = await this.get(path);
    return { status: res.status, body: await res.text(), res };
  }
}
