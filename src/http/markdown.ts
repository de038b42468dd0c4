import MarkdownIt from "markdown-it";

// Raw HTML is off: criteria written by staff (or received from partners) can never inject markup;
// markdown-it also refuses javascript:/vbscript:/data: link targets by default.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet("rel", "nofollow noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Renders untrusted Markdown to safe HTML (for `<%~ %>` output in views). */
export function renderMarkdown(text: string | null | undefined): string {
  return text ? md.render(text) : "";
}
