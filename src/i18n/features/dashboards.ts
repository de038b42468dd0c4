import { defineMessages } from "../define-messages.ts";

export const dashboardsMessages = defineMessages({
  fr: {
    "dashboard.link": "Tableau de bord",
    "dashboard.title": "Tableau de bord — {name}",
    "dashboard.withSpaces": "Chiffres de cet espace et de ses {count} espace(s) rattaché(s).",
    "dashboard.issued": "badges émis",
    "dashboard.active": "valides",
    "dashboard.revoked": "révoqués",
    "dashboard.suspended": "suspendus",
    "dashboard.published": "modèles publiés",
    "dashboard.drafts": "brouillons",
    "dashboard.chartTitle": "Badges émis par mois (12 derniers mois)",
    "dashboard.top": "Modèles les plus attribués",
    "dashboard.holders": "Titulaires",
    "dashboard.none": "Aucun badge émis pour l'instant.",
  },
  en: {
    "dashboard.link": "Dashboard",
    "dashboard.title": "Dashboard — {name}",
    "dashboard.withSpaces": "Figures of this space and its {count} attached space(s).",
    "dashboard.issued": "badges issued",
    "dashboard.active": "valid",
    "dashboard.revoked": "revoked",
    "dashboard.suspended": "suspended",
    "dashboard.published": "published templates",
    "dashboard.drafts": "drafts",
    "dashboard.chartTitle": "Badges issued per month (last 12 months)",
    "dashboard.top": "Most awarded templates",
    "dashboard.holders": "Holders",
    "dashboard.none": "No badge issued yet.",
  },
});
