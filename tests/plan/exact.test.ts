// The plan shows every value whole and as it is: full ARNs, every condition, the boundary and the
// managed policies, in text, Markdown (as GitHub renders it) and JSON.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { markdownCode, markdownText, PlanReport } from "../../tools/planReport";
import { renderedText, renderMarkdownHtml, htmlText, stringsIn } from "../helpers/markdown";
import { PlanRun, runPlan } from "../helpers/runPlan";

/** Printable ASCII and a few others: every character Markdown could read as markup. */
const VALUE = fc.string({ unit: fc.constantFrom(..." !\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}~aZ".split("")), minLength: 1, maxLength: 40 });

/** The text of the one item of a one-item bullet list, or undefined when the Markdown rendered as something else. */
function listItemText(markdown: string): string | undefined {
    const match = /^<ul>\n<li>([\s\S]*)<\/li>\n<\/ul>\n$/.exec(renderMarkdownHtml(markdown));
    return match ? htmlText(match[1]) : undefined;
}

describe("Markdown escaping", () => {
    it("renders any value as it is in a GFM table cell, in code style or not", () => {
        fc.assert(
            fc.property(VALUE, VALUE, (code, plain) => {
                const html = renderMarkdownHtml(`| a | b |\n|---|---|\n| ${markdownCode(code)} | ${markdownText(plain)} |\n`);
                const cells = [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((match) => htmlText(match[1]));
                assert.deepEqual(cells, [code, plain]);
            }),
            { numRuns: 300 },
        );
    });

    it("renders any value as it is at the start of a list item", () => {
        fc.assert(
            fc.property(VALUE, (value) => {
                assert.equal(listItemText(`- ${markdownText(value)}\n`), value);
            }),
            { numRuns: 300 },
        );
    });

    // Values the property found once (leading spaces stripped, then a list marker started a list),
    // and their kin: kept as plain cases whatever the seed.
    for (const value of [" 3)", " +", " 1.", "  - x", "   * y", "    indented", " # heading", " > quote", "\t1.", "trailing  ", " "]) {
        it(`renders ${JSON.stringify(value)} as it is, in a list item, a paragraph and a table cell`, () => {
            assert.equal(listItemText(`- ${markdownText(value)}\n`), value);
            assert.equal(htmlText(renderMarkdownHtml(`${markdownText(value)}\n`)).replace(/\n$/, ""), value);
            const cell = /<td>([\s\S]*?)<\/td>/.exec(renderMarkdownHtml(`| a |\n|---|\n| ${markdownText(value)} |\n`))?.[1];
            assert.equal(cell === undefined ? undefined : htmlText(cell), value);
        });
    }

    it("turns line breaks into <br>, so a value stays in its table row", () => {
        assert.equal(markdownText("a\nb*"), "a<br>b\\*");
        assert.equal(markdownText("a\r\nb\rc"), "a<br>b<br>c");
    });
});

describe("npm run plan shows values whole (fixture stack with values Markdown would eat)", function () {
    const runs: Record<string, PlanRun> = {};
    const stack = ["exact", "--program", "tests/fixtures/keyless-config-cases"];
    before(async function () {
        this.timeout(300_000);
        for (const format of ["text", "markdown", "json"]) runs[format] = await runPlan([...stack, "--format", format]);
    });

    const CROSS_ACCOUNT = "arn:aws:iam::444444444444:role/OrganizationAccountAccessRole";
    const BOUNDARY = "arn:aws:iam::333333333333:policy/deploy_boundary";
    const MANAGED = "arn:aws:iam::333333333333:policy/api_deploy_extra";
    const ODD_RESOURCE = "arn:aws:s3:::acme-assets/*/reports|2024/`x`/<y>/[z](w)/_v_/**";
    const PREFIXES = ["a_*_b", "c|d", "`e`", "<f>", "[g](h)"];

    it("gives the JSON plan full ARNs, conditions, the boundary and managed policies", () => {
        assert.equal(runs.json.exitCode, 0, runs.json.stderr);
        const role = (JSON.parse(runs.json.stdout) as PlanReport).roles[0];
        assert.equal(role.permissions.boundary, BOUNDARY);
        assert.deepEqual(role.permissions.managedPolicies, [MANAGED]);
        assert.deepEqual(role.permissions.statements[0].resources, [CROSS_ACCOUNT]);
        assert.deepEqual(role.permissions.statements[1].resources, [ODD_RESOURCE]);
        assert.deepEqual(role.permissions.statements[1].conditions, [
            { operator: "StringLike", key: "s3:prefix", values: PREFIXES },
            { operator: "Bool", key: "aws:SecureTransport", values: ["true"] },
        ]);
    });

    it("prints them in text, a long condition folded one value a line", () => {
        const { stdout } = runs.text;
        assert.match(stdout, /Allow sts:AssumeRole on arn:aws:iam::444444444444:role\/OrganizationAccountAccessRole\n/);
        assert.ok(stdout.includes(`Allow s3:GetObject, s3:PutObject on ${ODD_RESOURCE}\n`));
        assert.ok(stdout.includes(`when StringLike s3:prefix = any of 5:\n${PREFIXES.map((prefix) => `${" ".repeat(20)}${prefix}\n`).join("")}`));
        assert.match(stdout, /when Bool aws:SecureTransport = true\n/);
        assert.match(stdout, /managed policy arn:aws:iam::333333333333:policy\/api_deploy_extra\n/);
        assert.match(stdout, /boundary {4}arn:aws:iam::333333333333:policy\/deploy_boundary\n/);
        assert.match(stdout, /deploy from release\/\*, hotfix_\*_now\n/);
    });

    it("renders them in Markdown exactly, every value of the JSON plan's roles included", () => {
        const text = renderedText(runs.markdown.stdout);
        for (const value of [CROSS_ACCOUNT, BOUNDARY, MANAGED, ODD_RESOURCE, ...PREFIXES, "release/*", "hotfix_*_now"]) {
            assert.ok(text.includes(value), `${value} does not survive rendering`);
        }
        const report = JSON.parse(runs.json.stdout) as PlanReport;
        // Everything shown of each role (its Pulumi resource name is not shown).
        const shown = report.roles.map((role) => ({ ...role, resource: undefined }));
        for (const value of stringsIn(shown)) assert.ok(text.includes(value), `${value} does not survive rendering`);
        assert.ok(text.includes("when StringLike s3:prefix = any of 5:"));
    });
});
