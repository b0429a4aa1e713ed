// Markdown as GitHub shows it: rendered by a CommonMark renderer with GFM tables and inline HTML
// (markdown-it, which splits table cells on unescaped pipes as GFM does), then read as text.
import MarkdownIt from "markdown-it";

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
