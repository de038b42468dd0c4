import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import { barChartSvg } from "./bar-chart.ts";
import type { DashboardsService } from "./dashboards.service.ts";

/** The issuer dashboard (role viewer). */
export function dashboardsRoutes(d: { dashboards: DashboardsService; guards: Guards; render: Render }) {
  const app = new Hono<AppEnv>();
  app.get("/issuers/:issuer/dashboard", d.guards.loadIssuer, d.guards.requireRole("viewer"), async (c) => {
    const issuer = c.get("issuer");
    const t = c.get("t");
    const data = await d.dashboards.forIssuer(issuer);
    const locale = c.get("locale") === "fr" ? "fr-FR" : "en-GB";
    const monthLabel = (m: string) => new Intl.DateTimeFormat(locale, { month: "short", timeZone: "UTC" }).format(new Date(`${m}-01T00:00:00Z`));
    const chart = barChartSvg(data.months.map((m) => ({ label: monthLabel(m.month), value: m.n })), t("dashboard.chartTitle"));
    return d.render(c, "pages/dashboards/issuer", { issuer, data, chart });
  });
  return app;
}
