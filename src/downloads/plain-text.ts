import MarkdownIt from "markdown-it";

// Criteria are Markdown (OB 3.0 Criteria.narrative); a PDF wants plain lines: paragraphs, list
// items as "•" lines, link texts kept, markup dropped.
const md = new MarkdownIt({ html: false, linkify: false, breaks: true });

type Token = ReturnType<typeof md.parse>[number];

function inlineText(children: Token[] | null): string {
  let out = "";
  for (const t of children ?? []) {
    if (t.type === "text" || t.type === "code_inline") out += t.content;
    else if (t.type === "softbreak" || t.type === "hardbreak") out += "\n";
    else if (t.type === "image") out += t.content;
  }
  return out;
}

/** Markdown as plain text: one line per paragraph, heading or list item (bullets "•", numbers "1."). */
export function markdownToPlainText(source: string | null | undefined): string {
  if (!source) return "";
  const lines: string[] = [];
  const lists: Array<{ ordered: boolean; next: number }> = [];
  let prefix = "";
  for (const t of md.parse(source, {})) {
    if (t.type === "bullet_list_open") lists.push({ ordered: false, next: 1 });
    else if (t.type === "ordered_list_open") lists.push({ ordered: true, next: Number(t.attrGet("start") ?? 1) });
    else if (t.type === "bullet_list_close" || t.type === "ordered_list_close") lists.pop();
    else if (t.type === "list_item_open") {
      const list = lists.at(-1);
      const marker = list?.ordered ? `${list.next++}.` : "•";
      prefix = "  ".repeat(Math.max(0, lists.length - 1)) + marker + " ";
    } else if (t.type === "inline") {
      lines.push(prefix + inlineText(t.children));
      prefix = "";
    } else if (t.type === "fence" || t.type === "code_block") lines.push(t.content.replace(/\n$/, ""));
  }
  return lines.join("\n");
}
