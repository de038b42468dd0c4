import { err, ok, type Result } from "../shared/result.ts";

// Uploaded SVG is shown to every visitor of a badge and embedded by other sites and backpacks:
// anything that runs code or fetches something else is refused with a message naming it (the
// creator can fix the file), then only an allow-list of elements/attributes is re-serialised.

/** Why an SVG was refused. */
export type SvgProblem =
  | "invalid" | "not-svg" | "entity" | "too-complex"
  | "script" | "foreign-object" | "event-handler" | "javascript-url" | "external-reference";

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";
const XML_NS = "http://www.w3.org/XML/1998/namespace";
const MAX_DEPTH = 100;
const MAX_ELEMENTS = 50_000;

const ELEMENTS = new Set([
  "svg", "g", "defs", "symbol", "use", "title", "desc", "style",
  "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
  "text", "tspan", "textPath", "image",
  "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern", "marker",
  "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
  "feDisplacementMap", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
  "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset", "feTile", "feTurbulence",
]);
// Links are pointless in a badge image: `<a>` keeps its drawing as a plain group.
const RENAMED: Record<string, string> = { a: "g" };
const TEXT_ELEMENTS = new Set(["title", "desc", "style", "text", "tspan", "textPath"]);

const ATTRIBUTES = new Set([
  "id", "class", "style", "transform", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
  "fx", "fy", "fr", "width", "height", "d", "points", "pathLength", "viewBox", "preserveAspectRatio", "version",
  "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
  "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color",
  "display", "visibility", "overflow", "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits",
  "maskContentUnits", "filter", "filterUnits", "primitiveUnits", "gradientUnits", "gradientTransform",
  "spreadMethod", "offset", "stop-color", "stop-opacity", "patternUnits", "patternContentUnits",
  "patternTransform", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
  "marker-start", "marker-mid", "marker-end", "font-family", "font-size", "font-weight", "font-style",
  "font-variant", "font-stretch", "text-anchor", "dominant-baseline", "alignment-baseline",
  "baseline-shift", "letter-spacing", "word-spacing", "text-decoration", "dx", "dy", "rotate",
  "textLength", "lengthAdjust", "startOffset", "writing-mode", "href", "in", "in2", "result",
  "stdDeviation", "mode", "operator", "k1", "k2", "k3", "k4", "values", "type", "flood-color",
  "flood-opacity", "lighting-color", "scale", "xChannelSelector", "yChannelSelector", "baseFrequency",
  "numOctaves", "seed", "stitchTiles", "tableValues", "slope", "intercept", "amplitude", "exponent",
  "order", "kernelMatrix", "divisor", "bias", "targetX", "targetY", "edgeMode", "preserveAlpha", "radius",
  "color-interpolation", "color-interpolation-filters", "mix-blend-mode", "isolation", "paint-order",
  "vector-effect", "shape-rendering", "image-rendering", "text-rendering", "media",
]);

// Only the document itself, or an embedded raster image, may be referenced.
const LOCAL_OR_RASTER_DATA = /^(#|data:image\/(png|jpeg);)/i;

/** A minimal view of xmldom's nodes (its types are DOM-like but not the lib.dom ones). */
interface XNode {
  nodeType: number;
  nodeName: string;
  localName?: string | null;
  namespaceURI?: string | null;
  data?: string;
  childNodes: ArrayLike<XNode>;
  attributes?: ArrayLike<{ localName: string; namespaceURI: string | null; name: string; value: string }>;
}

// Loaded on first use, like the rasteriser (see raster.ts).
let xmldom: Promise<typeof import("@xmldom/xmldom")> | undefined;

/** Parses an uploaded SVG, refuses scripts and external references, returns a clean re-serialisation. */
export async function sanitizeSvg(source: string): Promise<Result<string, SvgProblem>> {
  const { DOMParser } = await (xmldom ??= import("@xmldom/xmldom"));
  // xmldom does not expand entities, but a declared one is how "billion laughs" starts: refuse early.
  if (/<!ENTITY/i.test(source)) return err("entity");
  let doc: XNode & { documentElement: XNode | null };
  try {
    doc = new DOMParser({ onError: (level, message) => { if (level !== "warning") throw new Error(message); } })
      .parseFromString(source, "image/svg+xml") as unknown as typeof doc;
  } catch {
    return err("invalid");
  }
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || root.namespaceURI !== SVG_NS) return err("not-svg");
  const problem = findProblem(doc, 0, { count: 0 });
  if (problem) return err(problem);
  return ok(serialize(root, true));
}

/** The first refusal reason found in a subtree (checked on every node, allowed or not). */
function findProblem(node: XNode, depth: number, seen: { count: number }): SvgProblem | null {
  if (depth > MAX_DEPTH || ++seen.count > MAX_ELEMENTS) return "too-complex";
  // <?xml-stylesheet href="…"?> makes browsers fetch a style sheet.
  if (node.nodeType === 7 && node.nodeName.toLowerCase() === "xml-stylesheet") return "external-reference";
  if (node.nodeType === 1) {
    const own = elementProblem(node);
    if (own) return own;
  }
  for (let i = 0; i < node.childNodes.length; i++) {
    const found = findProblem(node.childNodes[i]!, depth + 1, seen);
    if (found) return found;
  }
  return null;
}

function elementProblem(el: XNode): SvgProblem | null {
  const name = (el.localName ?? el.nodeName).toLowerCase();
  if (name === "script") return "script";
  if (name === "foreignobject") return "foreign-object";
  const attributes = el.attributes ?? [];
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i]!;
    const problem = attributeProblem((a.localName ?? a.name).toLowerCase(), a.value);
    if (problem) return problem;
  }
  if (name === "style") return cssProblem(textOf(el));
  return null;
}

/** Refusal reason of one attribute: event handlers, script URLs, references outside the file. */
export function attributeProblem(name: string, value: string): SvgProblem | null {
  if (name.startsWith("on")) return "event-handler";
  const compact = value.replace(/[\s\u0000-\u001f]+/g, "").toLowerCase();
  if (/(java|vb)script:/.test(compact)) return "javascript-url";
  if (name === "href" || name === "src") return LOCAL_OR_RASTER_DATA.test(value.trim()) ? null : "external-reference";
  if (name === "style" || compact.includes("url(")) return cssProblem(value);
  return null;
}

/** Refusal reason of CSS text (a style attribute or element): script URLs, url() and @import outside the file. */
export function cssProblem(css: string): SvgProblem | null {
  const plain = decodeCssEscapes(css.replace(/\/\*[\s\S]*?\*\//g, "")).toLowerCase();
  if (/(java|vb)script:/.test(plain.replace(/[\s\u0000-\u001f]+/g, ""))) return "javascript-url";
  if (/@import|image-set\(|\bsrc\(/.test(plain)) return "external-reference";
  for (const m of plain.matchAll(/url\s*\(\s*(['"]?)\s*([^'")\s]*)/g)) {
    if (!LOCAL_OR_RASTER_DATA.test(m[2] ?? "")) return "external-reference";
  }
  return null;
}

// CSS lets `u\72l(` spell `url(`: decode escapes before looking.
function decodeCssEscapes(css: string): string {
  return css
    .replace(/\\([0-9a-fA-F]{1,6})\s?/g, (_, hex: string) => String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff) || 0xfffd))
    .replace(/\\(.)/g, "$1");
}

function textOf(node: XNode): string {
  let out = "";
  for (let i = 0; i < node.childNodes.length; i++) {
    const child = node.childNodes[i]!;
    out += child.nodeType === 3 || child.nodeType === 4 ? child.data ?? "" : textOf(child);
  }
  return out;
}

const escapeText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, "&quot;").replace(/[\t\n\r]/g, " ");

function attributeName(a: { localName: string; namespaceURI: string | null }): string | null {
  if (a.namespaceURI === XLINK_NS) return a.localName === "href" ? "xlink:href" : null;
  if (a.namespaceURI === XML_NS) return a.localName === "space" ? "xml:space" : null;
  if (a.namespaceURI) return null; // inkscape:, sodipodi:, xmlns… are editor data
  return ATTRIBUTES.has(a.localName) ? a.localName : null;
}

/** Writes the allowed elements and attributes back as text (comments, PIs and unknown nodes dropped). */
function serialize(el: XNode, isRoot: boolean): string {
  const local = el.localName ?? el.nodeName;
  const name = RENAMED[local] ?? local;
  if (el.namespaceURI !== SVG_NS || !ELEMENTS.has(name)) return "";
  let out = "<" + name;
  if (isRoot) out += ` xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}"`;
  const attributes = el.attributes ?? [];
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i]!;
    const kept = attributeName(a);
    if (kept && !(name !== local && kept.endsWith("href"))) out += ` ${kept}="${escapeAttr(a.value)}"`;
  }
  let inner = "";
  for (let i = 0; i < el.childNodes.length; i++) {
    const child = el.childNodes[i]!;
    if (child.nodeType === 1) inner += serialize(child, false);
    else if ((child.nodeType === 3 || child.nodeType === 4) && TEXT_ELEMENTS.has(name)) inner += escapeText(child.data ?? "");
  }
  return inner ? `${out}>${inner}</${name}>` : `${out}/>`;
}
