// The README's adoption path names commands and files that exist and work as written.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ORGANIZATION_PACK_CONFIG } from "../../components/protection";
import { parseArguments as parsePlanArguments } from "../../tools/plan";
import { parseArguments as parseNewStackArguments } from "../../tools/newStack";
import { loadWorkflows } from "../workflows/repository";

const ROOT = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The text of a `##`/`###` section, up to the next heading of the same or a higher level. */
function section(heading: string): string {
    const lines = README.split("\n");
    const start = lines.findIndex((line) => line === heading);
    assert.ok(start >= 0, `README.md has no "${heading}"`);
    const level = heading.indexOf(" ");
    const end = lines.findIndex((line, index) => index > start && /^#+ /.test(line) && line.indexOf(" ") <= level);
    return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/** Arguments after `npm run <script> --` on each line of the text that runs it. */
function invocations(text: string, script: string): string[][] {
    return [...text.matchAll(new RegExp(`npm run ${script} -- ([^\\n\`#]+)`, "g"))].map((match) =>
        match[1].replace(/\[[^\]]*\]/g, "").trim().split(/\s+/),
    );
}

describe("the README's adoption path", () => {
    it("runs `npm run new-stack` with arguments the command accepts, and package.json defines it", () => {
        const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        assert.match(scripts["new-stack"], /tools\/newStack\.ts/);
        const commands = invocations(section("### Adding a stack"), "new-stack");
        assert.ok(commands.length > 0);
        for (const args of commands) assert.notEqual(parseNewStackArguments(args), "help", args.join(" "));
    });

    it("gives the plan options the plan command accepts", () => {
        const usage = /npm run plan -- <stack> (.+)/.exec(section("## The offline plan"))?.[1] ?? "";
        for (const option of usage.match(/--[a-z-]+/g) ?? []) {
            const value = option === "--format" ? "json" : option === "--account-id" ? "123456789012" : option === "--timeout" ? "60" : "x";
            assert.doesNotThrow(() => parsePlanArguments(["dev", option, value]), option);
        }
        assert.match(usage, /--config-file/);
    });

    it("applies the organisation's pack configuration, which exists, and no per-stack one", () => {
        const real = section("## Running it for real");
        assert.ok(real.includes(`--policy-pack-config ./${ORGANIZATION_PACK_CONFIG}`));
        assert.ok(fs.existsSync(path.join(ROOT, ORGANIZATION_PACK_CONFIG)));
        for (const heading of ["## Running it for real", "## The offline plan", "### Setting it up in your organisation"]) {
            assert.doesNotMatch(section(heading), /policy\/config\/(dev|prod|\$stack|<stack>)\.json/, heading);
        }
    });

    it("says no workflow passes a passphrase, and none does", () => {
        assert.match(section("### Secrets"), /no workflow passes `PULUMI_CONFIG_PASSPHRASE`/);
        for (const wf of loadWorkflows()) assert.doesNotMatch(wf.text, /PULUMI_CONFIG_PASSPHRASE/, wf.path);
    });
});
