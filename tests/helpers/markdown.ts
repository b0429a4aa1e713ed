// Markdown as GitHub shows it: rendered by a CommonMark renderer with GFM tables and inline HTML
// (markdown-it, which splits table cells on unescaped pipes as GFM does), then read as text.
import MarkdownIt, { type Token } from "markdown-it";

const renderer = new MarkdownIt({ html: true });

export function renderMarkdownHtml(markdown: string): string {
    return renderer.render(markdown);
}

/** The text a reader sees: tags dropped, `<br>` as line breaks, entities decoded. */
export function htmlText(html: string): string {
    return html
        .replace(/<br\s*\/?>/g, "\n")
        .replace(/<[^>]*>/g, "")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, "&");
}

export function renderedText(markdown: string): string {
    return htmlText(renderMarkdownHtml(markdown));
}

/** Every string in a JSON value. */
export function stringsIn(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(stringsIn);
    if (typeof value === "object" && value !== null) return Object.values(value).flatMap(stringsIn);
    return [];
}

/** Tokens of a Markdown document, as markdown-it (and so GitHub's CommonMark) parses it. */
export function markdownTokens(markdown: string): Token[] {
    return renderer.parse(markdown, {});
}

/**
 * GitHub's anchor for a heading's text, as github-slugger makes it (the library github.com uses):
 * lower case, punctuation other than `-` and `_` dropped, each space a `-`; a repeated slug gets
 * `-1`, `-2`, ... in order of appearance (`seen` counts them).
 */
export function githubSlug(text: string, seen: Map<string, number> = new Map()): string {
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
}

/** The anchors GitHub gives the headings of a Markdown document. */
export function headingAnchors(markdown: string): Set<string> {
    const tokens = markdownTokens(markdown);
    const seen = new Map<string, number>();
    const anchors = new Set<string>();
    tokens.forEach((token, index) => {
        if (token.type !== "heading_open") return;
        const inline = tokens[index + 1];
        const text = (inline.children ?? []).filter((child) => child.type === "text" || child.type === "code_inline").map((child) => child.content).join("");
        anchors.add(githubSlug(text, seen));
    });
    return anchors;
}

/**
 * The section of a Markdown text that starts with this heading line (`## Secrets`), up to the next
 * heading of the same or a higher level; lines in code fences are not headings.
 */
export function markdownSection(markdown: string, heading: string): string | undefined {
    const lines = markdown.split("\n");
    let inFence = false;
    const headingLevel = lines.map((line) => {
        if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
        const match = inFence ? null : /^(#+) /.exec(line);
        return match ? match[1].length : 0;
    });
    const start = lines.findIndex((line, index) => line === heading && headingLevel[index] > 0);
    if (start < 0) return undefined;
    const level = headingLevel[start];
    const end = headingLevel.findIndex((other, index) => index > start && other > 0 && other <= level);
    return lines.slice(start, end < 0 ? undefined : end).join("\n");
}
