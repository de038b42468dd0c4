import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clientIp } from "../../src/http/request-context.ts";

function appWith(trustProxy: boolean) {
  const app = new Hono();
  app.get("/", (c) => c.text(clientIp(c, trustProxy) ?? "none"));
  return app;
}

describe("clientIp behind a reverse proxy", () => {
  it("takes the hop our proxy appended, not one the client wrote", async () => {
    // nginx `proxy_add_x_forwarded_for`: the client's forged value first, the real address last.
    const res = await appWith(true).request("/", { headers: { "X-Forwarded-For": "203.0.113.9, 198.51.100.7" } });
    expect(await res.text()).toBe("198.51.100.7");
  });

  it("ignores X-Forwarded-For unless trustProxy is on", async () => {
    const res = await appWith(false).request("/", { headers: { "X-Forwarded-For": "203.0.113.9" } });
    expect(await res.text()).toBe("none");
  });
});
