// Every relative link of README.md and docs/*.md leads somewhere: the file (or folder) exists, and a
// `#anchor` names a heading of the target page as GitHub spells its anchors.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { githubSlug, headingAnchors, markdownTokens } from "../helpers/markdown";

const ROOT = path.resolve(__dirname, "../..");

/** The Markdown files a reader of the README reaches: README.md and every page of docs/. */
function documentationFiles(): string[] {
    const pages = fs.readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`);
    return ["README.md", ...pages.sort()];
}

/** The `href` of every link of a Markdown text (inline and reference links alike). */
function linkTargets(markdown: string): string[] {
    const hrefs: string[] = [];
    for (const token of markdownTokens(markdown)) {
        for (const child of token.children ?? []) {
            const href = child.type === "link_open" ? child.attrGet("href") : null;
            if (href !== null) hrefs.push(String(href));
        }
    }
    return hrefs;
}

/** What is wrong with a relative link of `file`, or undefined when it resolves. */
function brokenLink(file: string, href: string): string | undefined {
    const [target, anchor] = href.split("#", 2) as [string, string | undefined];
    const resolved = target === "" ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURIComponent(target));
    if (!resolved.startsWith(ROOT + path.sep) && resolved !== ROOT) return "leads outside the repository";
    if (!fs.existsSync(resolved)) return `${path.relative(ROOT, resolved)} does not exist`;
    if (anchor === undefined || anchor === "") return undefined;
    if (!resolved.endsWith(".md")) return `an anchor into ${path.relative(ROOT, resolved)}, which is not Markdown`;
    const anchors = headingAnchors(fs.readFileSync(resolved, "utf8"));
    return anchors.has(decodeURIComponent(anchor)) ? undefined : `${path.relative(ROOT, resolved)} has no heading with the anchor #${anchor}`;
}

describe("documentation links", () => {
    it("spells anchors as GitHub does", () => {
        // Anchors as github.com shows them for these headings of this documentation.
        assert.equal(githubSlug("What a change does to access: --base"), "what-a-change-does-to-access---base");
        assert.equal(githubSlug("Environment protection and GitHub's plans"), "environment-protection-and-githubs-plans");
        assert.equal(githubSlug("The first pulumi up of each stack"), "the-first-pulumi-up-of-each-stack");
        const seen = new Map<string, number>();
        assert.deepEqual([githubSlug("Notes", seen), githubSlug("Notes", seen), githubSlug("notes", seen)], ["notes", "notes-1", "notes-2"]);
        assert.ok(headingAnchors("# The `policy-release` environment\n\n```sh\n# not a heading\n```\n").has("the-policy-release-environment"));
        assert.ok(!headingAnchors("```sh\n# not a heading\n```\n").has("not-a-heading"));
    });

    it("finds a broken link and a missing anchor", () => {
        assert.match(brokenLink("README.md", "docs/no-such-page.md") ?? "", /does not exist/);
        assert.match(brokenLink("README.md", "docs/plan.md#no-such-heading") ?? "", /no heading with the anchor/);
        assert.equal(brokenLink("README.md", "#the-two-commands"), undefined);
    });

    for (const file of documentationFiles()) {
        it(`${file}: every relative link resolves`, () => {
            const relative = linkTargets(fs.readFileSync(path.join(ROOT, file), "utf8")).filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith("//"));
            const broken = relative.map((href) => [href, brokenLink(file, href)]).filter(([, problem]) => problem !== undefined);
            assert.deepEqual(broken, [], `${file}: ${broken.map(([href, problem]) => `${href}: ${problem}`).join("; ")}`);
        });
    }
});
