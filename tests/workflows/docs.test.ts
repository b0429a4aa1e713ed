// The pipeline section of the documentation names exactly what the workflow files use: the
// variables and secrets, the workflows, the environments, the OIDC subjects and the App's
// permissions.

import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { isRecord, jobsOf, triggersOf, WorkflowFile } from "./hardening";
import { loadWorkflows, ROOT } from "./repository";

const FILE = "docs/pipeline.md";

/** The pipeline page, docs/pipeline.md, whose `##` sections hold the tables. */
function pipelineSection(): { file: string; text: string } {
    return { file: FILE, text: fs.readFileSync(path.join(ROOT, FILE), "utf8") };
}

/** Rows `| \`NAME\` | kind | ...` of the table under a `##` heading. */
function tableRows(section: string, heading: string): string[][] {
    const lines = section.split("\n");
    const start = lines.findIndex((line) => line.startsWith(`## ${heading}`));
    assert.ok(start >= 0, `no "## ${heading}" heading`);
    const rows: string[][] = [];
    for (const line of lines.slice(start + 1)) {
        if (/^#+ /.test(line)) break;
        if (!line.startsWith("|") || /^\|\s*(Name|---)/.test(line)) continue;
        rows.push(line.split("|").slice(1, -1).map((cell) => cell.trim()));
    }
    return rows;
}

/** `vars.X` and `secrets.X` the workflows read (the workflow token aside). */
function referenced(files: readonly WorkflowFile[]): Map<string, "variable" | "secret"> {
    const names = new Map<string, "variable" | "secret">();
    for (const wf of files) {
        for (const match of wf.text.matchAll(/\b(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
            if (match[2] === "GITHUB_TOKEN") continue;
            names.set(match[2], match[1] === "vars" ? "variable" : "secret");
        }
    }
    return names;
}

/** The OIDC subject suffix (after `repo:OWNER/REPO:`) a job's token carries. */
function subjectSuffix(wf: WorkflowFile, raw: Record<string, unknown>): string {
    const env = raw.environment;
    const name = typeof env === "string" ? env : isRecord(env) && typeof env.name === "string" ? env.name : undefined;
    if (name !== undefined) return `environment:${name}`;
    if (triggersOf(wf).includes("pull_request")) return "pull_request";
    return "ref:refs/heads/main";
}

describe("pipeline documentation", () => {
    const files = loadWorkflows();
    const { file, text } = pipelineSection();

    it("lists exactly the variables and secrets the workflows read, with their kind", () => {
        const documented = new Map<string, string>();
        for (const row of tableRows(text, "Settings the workflows read")) {
            const name = /^`([A-Z0-9_]+)`$/.exec(row[0]);
            assert.ok(name, `${file}: first cell ${row[0]} is not a \`NAME\``);
            documented.set(name[1], row[1]);
        }
        const used = referenced(files);
        assert.deepEqual([...documented.keys()].sort(), [...used.keys()].sort(), `${file} and the workflows disagree`);
        for (const [name, kind] of used) {
            assert.ok(documented.get(name)?.startsWith(kind), `${file}: ${name} is a ${kind}, documented as ${documented.get(name)}`);
        }
    });

    it("names every workflow by file and by name", () => {
        for (const wf of files) {
            assert.ok(text.includes(`\`${wf.path}\``), `${file} does not mention ${wf.path}`);
            assert.ok(text.includes(`\`${String(wf.doc.name)}\``), `${file} does not name the workflow ${String(wf.doc.name)}`);
        }
    });

    it("names every environment and job of the workflows", () => {
        for (const wf of files) {
            for (const job of jobsOf(wf)) {
                assert.ok(text.includes(`\`${job.id}\``), `${file} does not mention the job ${job.id} of ${wf.path}`);
                const env = job.raw.environment;
                if (typeof env === "string") {
                    assert.ok(text.includes(`environment \`${env}\``) || text.includes(`\`environment: ${env}\``), `${file} does not mention environment ${env}`);
                }
            }
        }
    });

    it("gives the exact Pulumi OIDC subject of every job that exchanges a token", () => {
        const subjects = new Set<string>();
        for (const wf of files) {
            for (const job of jobsOf(wf)) {
                if (job.steps.some((s) => s.action === "pulumi/auth-actions")) subjects.add(subjectSuffix(wf, job.raw));
            }
        }
        assert.ok(subjects.size > 0);
        for (const suffix of subjects) {
            assert.ok(text.includes(`| \`repo:OWNER/REPO:${suffix}\` |`), `${file} has no policy row for repo:OWNER/REPO:${suffix}`);
        }
        assert.ok(text.includes("https://token.actions.githubusercontent.com"), "issuer URL");
        assert.ok(text.includes("urn:pulumi:org:ORG"), "audience");
        for (const wf of files) {
            for (const match of wf.text.matchAll(/urn:pulumi:token-type:access_token:[a-z]+/g)) {
                assert.ok(text.includes(match[0]), `${file} does not mention ${match[0]}`);
            }
        }
    });

    it("lists every App permission a workflow requests", () => {
        const display: Record<string, string> = {
            actions: "Actions",
            administration: "Administration",
            environments: "Environments",
            members: "Members",
            metadata: "Metadata",
            secrets: "Secrets",
        };
        for (const wf of files) {
            for (const job of jobsOf(wf)) {
                for (const step of job.steps.filter((s) => s.action === "actions/create-github-app-token")) {
                    for (const input of Object.keys(step.with).filter((k) => k.startsWith("permission-"))) {
                        const name = display[input.slice("permission-".length)];
                        assert.ok(name, `add ${input} to this test's display names`);
                        assert.match(text, new RegExp(`\\| (Repository|Organization) → ${name} \\|`), `${file}: App permission ${name}`);
                    }
                }
            }
        }
    });

    it("states the policy release commands and the pack name the workflow uses", () => {
        const release = files.find((wf) => wf.path.endsWith("policy-release.yml"));
        assert.ok(release);
        const pack = isRecord(release.doc.env) ? String(release.doc.env.POLICY_PACK) : "";
        assert.ok(pack.length > 0);
        assert.ok(text.includes(`pulumi policy enable ORG/${pack} latest --policy-group`), "enable command");
        assert.ok(release.text.includes("pulumi policy enable") && release.text.includes("--policy-group"));
        assert.ok(text.includes("pulumi policy publish"), "publish command");
        assert.ok(text.includes("`offline-plan`") && files.some((wf) => wf.text.includes("name: offline-plan")), "artifact name");
    });
});
