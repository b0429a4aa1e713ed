// The README's adoption path, and the pages of docs/ it links, name commands and files that exist and
// work as written.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ORGANIZATION_PACK_CONFIG } from "../../components/protection";
import { parseArguments as parsePlanArguments } from "../../tools/plan";
import { parseArguments as parseNewStackArguments } from "../../tools/newStack";
import { markdownSection } from "../helpers/markdown";
import { loadWorkflows } from "../workflows/repository";

const ROOT = path.resolve(__dirname, "../..");

/** The text of a section (`## Secrets`) of a Markdown file of the project (`docs/running.md`). */
function section(file: string, heading: string): string {
    const text = markdownSection(fs.readFileSync(path.join(ROOT, file), "utf8"), heading);
    assert.ok(text !== undefined, `${file} has no "${heading}"`);
    return text;
}

/** Arguments after `npm run <script> --` on each line of the text that runs it. */
function invocations(text: string, script: string): string[][] {
    return [...text.matchAll(new RegExp(`npm run ${script} -- ([^\\n\`#]+)`, "g"))].map((match) =>
        match[1].replace(/\[[^\]]*\]/g, "").trim().split(/\s+/),
    );
}

describe("the README's adoption path and its pages", () => {
    it("runs `npm run new-stack` with arguments the command accepts, and package.json defines it", () => {
        const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        assert.match(scripts["new-stack"], /tools\/newStack\.ts/);
        const commands = invocations(section("docs/running.md", "## Adding a stack"), "new-stack");
        assert.ok(commands.length > 0);
        for (const args of commands) assert.notEqual(parseNewStackArguments(args), "help", args.join(" "));
    });

    it("gives the plan options the plan command accepts", () => {
        const usage = /npm run plan -- <stack> (.+)/.exec(section("docs/plan.md", "# The offline plan"))?.[1] ?? "";
        for (const option of usage.match(/--[a-z-]+/g) ?? []) {
            const value = option === "--format" ? "json" : option === "--account-id" ? "123456789012" : option === "--timeout" ? "60" : "x";
            assert.doesNotThrow(() => parsePlanArguments(["dev", option, value]), option);
        }
        assert.match(usage, /--config-file/);
    });

    it("applies the organisation's pack configuration, which exists, and no per-stack one", () => {
        const adopterPath = section("README.md", "## From clone to the first deploy");
        assert.ok(adopterPath.includes(`--policy-pack-config ./${ORGANIZATION_PACK_CONFIG}`));
        assert.ok(section("docs/running.md", "## The first `pulumi up` of each stack").includes(`--policy-pack-config ./${ORGANIZATION_PACK_CONFIG}`));
        assert.ok(fs.existsSync(path.join(ROOT, ORGANIZATION_PACK_CONFIG)));
        const pages: [string, string][] = [
            ["README.md", "## From clone to the first deploy"],
            ["README.md", "## The offline plan"],
            ["docs/running.md", "# Running it for real"],
            ["docs/plan.md", "# The offline plan"],
            ["docs/pipeline.md", "## Setting it up in your organisation"],
        ];
        for (const [file, heading] of pages) {
            assert.doesNotMatch(section(file, heading), /policy\/config\/(?!organization\.json)[^\s`\'")]+\.json/, `${file}: ${heading}`);
        }
    });

    it("says no workflow passes a passphrase, and none does", () => {
        assert.match(section("docs/running.md", "## Secrets"), /no workflow passes `PULUMI_CONFIG_PASSPHRASE`/);
        for (const wf of loadWorkflows()) assert.doesNotMatch(wf.text, /PULUMI_CONFIG_PASSPHRASE/, wf.path);
    });
});
