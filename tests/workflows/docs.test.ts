// The pipeline section of the documentation names exactly what the workflow files use: the
// variables and secrets, the workflows, the environments, the OIDC subjects and the App's
// permissions.

import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { AppPermission, commandPermissions, PERMISSION_TITLES } from "../../components/realServices/githubAppPermissions";
import { DEPLOY_APP, isRecord, jobsOf, READ_APP, triggersOf, WorkflowFile } from "./hardening";
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

interface Reference {
    readonly kind: "variable" | "secret";
    /** Whether every job that reads it is bound to an environment (an environment's own setting). */
    readonly environmentOnly: boolean;
}

/**
 * `vars.X` and `secrets.X` the workflows read (the workflow token aside), and the per-stack names
 * `vars[format('{0}_ROLE_ARN', matrix.previewPrefix)]`, documented as `<PREVIEW_PREFIX>_ROLE_ARN`.
 */
function referenced(files: readonly WorkflowFile[]): Map<string, Reference> {
    const names = new Map<string, Reference>();
    const add = (name: string, kind: Reference["kind"], inEnvironment: boolean): void => {
        const known = names.get(name);
        names.set(name, { kind, environmentOnly: (known?.environmentOnly ?? true) && inEnvironment });
    };
    for (const wf of files) {
        for (const job of jobsOf(wf)) {
            const text = JSON.stringify(job.raw);
            const inEnvironment = job.raw.environment !== undefined;
            for (const match of text.matchAll(/\b(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
                if (match[2] !== "GITHUB_TOKEN") add(match[2], match[1] === "vars" ? "variable" : "secret", inEnvironment);
            }
            for (const match of text.matchAll(/\bvars\[format\('\{0\}([A-Z0-9_]+)', matrix\.([A-Za-z]+)\)\]/g)) {
                add(`<${match[2].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}>${match[1]}`, "variable", inEnvironment);
            }
        }
    }
    return names;
}

/** The OIDC subject suffix (after `repo:OWNER/REPO:`) a job's token carries. */
function subjectSuffix(wf: WorkflowFile, raw: Record<string, unknown>): string {
    const env = raw.environment;
    const name = typeof env === "string" ? env : isRecord(env) && typeof env.name === "string" ? env.name : undefined;
    // Each stack's own environment (keyless:environment), documented once for all stacks.
    if (name !== undefined && /\$\{\{\s*matrix\.environment\s*\}\}/.test(name)) return "environment:<environment>";
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
            const name = /^`([A-Z0-9_<>]+)`$/.exec(row[0]);
            assert.ok(name, `${file}: first cell ${row[0]} is not a \`NAME\``);
            documented.set(name[1], `${row[1]} | ${row[2]}`);
        }
        const used = referenced(files);
        assert.deepEqual([...documented.keys()].sort(), [...used.keys()].sort(), `${file} and the workflows disagree`);
        for (const [name, { kind, environmentOnly }] of used) {
            const cells = documented.get(name) ?? "";
            assert.ok(cells.startsWith(kind), `${file}: ${name} is a ${kind}, documented as ${cells}`);
            // A secret read only in environment-bound jobs lives in those environments (the deploy
            // App's key must never be a repository secret); one read elsewhere is a repository secret.
            if (kind === "secret") {
                assert.equal(/\benvironment/.test(cells.split(" | ")[1] ?? ""), environmentOnly, `${file}: where ${name} lives (${cells})`);
            }
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
                if (typeof env === "string" && !env.includes("${{")) {
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

    it("gives each App's permissions as the permission table derives them", () => {
        // | Permission | read-only App | deploy App | why |, under "## The two GitHub Apps".
        const rows = tableRows(text, "The two GitHub Apps");
        const preview = commandPermissions("preview");
        const drift = commandPermissions("preview-refresh");
        const deploy = commandPermissions("up-refresh");
        const cell = (access: string | undefined) => (access === undefined ? "-" : access === "write" ? "read and write" : "read");
        const permissions = new Set([...Object.keys(preview), ...Object.keys(drift), ...Object.keys(deploy)] as AppPermission[]);
        assert.equal(rows.length, permissions.size, `${file}: one row per App permission`);
        for (const permission of permissions) {
            const row = rows.find((r) => r[0] === PERMISSION_TITLES[permission]);
            assert.ok(row, `${file}: no row for ${PERMISSION_TITLES[permission]}`);
            assert.equal(row[1], cell(drift[permission] ?? preview[permission]), `${file}: ${PERMISSION_TITLES[permission]} of the read-only App`);
            assert.equal(row[2], cell(deploy[permission]), `${file}: ${PERMISSION_TITLES[permission]} of the deploy App`);
        }
        for (const name of [READ_APP.id, READ_APP.key, DEPLOY_APP.id, DEPLOY_APP.key]) assert.ok(text.includes(`\`${name}\``), `${file} does not name ${name}`);
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
