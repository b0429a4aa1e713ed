// The access diff: what a change to a stack does to who can deploy where, computed from two JSON
// plans (tested directly), and `npm run plan -- <stack> --base <ref>` end to end on a stack file
// this test owns, in a git repository it makes.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AccessDiff, diffPlans, renderDiffMarkdown, renderDiffText } from "../../tools/planDiff";
import { type EnvironmentRow, type PlanReport, renderMarkdown, renderText, type RoleRow } from "../../tools/planReport";
import { renderedText } from "../helpers/markdown";
import { PlanRun, PROJECT_DIR, runPlan } from "../helpers/runPlan";

const ARN = (name: string, account = "222222222222") => `arn:aws:iam::${account}:role/github-actions/${name}`;

function environment(overrides: Partial<EnvironmentRow> = {}): EnvironmentRow {
    return {
        repository: "api",
        environment: "prod",
        reviewers: ["team platform-approvers"],
        preventSelfReview: true,
        adminsCanBypass: false,
        waitTimerMinutes: 10,
        deployFrom: ["main"],
        secrets: ["AWS_DEPLOY_ROLE_ARN"],
        variables: ["AWS_REGION"],
        ...overrides,
    };
}

function role(name: string, overrides: Partial<RoleRow> = {}): RoleRow {
    return {
        resource: name,
        roleName: name,
        arn: ARN(name),
        repository: `acme/${name.replace(/-prod$/, "")}`,
        contexts: ["environment:prod"],
        subjects: [`repo:acme/${name.replace(/-prod$/, "")}:environment:prod`],
        sessionSeconds: 3600,
        permissions: {
            sources: "statements",
            statements: [{ effect: "Allow", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::assets/*"], conditions: [] }],
            managedPolicies: [],
            boundary: "arn:aws:iam::222222222222:policy/boundary",
        },
        environment: environment(),
        repositoryValues: [],
        ...overrides,
    };
}

function planOf(...roles: RoleRow[]): PlanReport {
    return {
        project: "keyless",
        stack: "prod",
        account: "222222222222",
        region: "eu-west-1",
        programDir: ".",
        stackFile: "Pulumi.prod.yaml",
        notes: [],
        warnings: [],
        roles,
        otherEnvironments: [],
        policyPack: "keyless-guardrails 0.1.0",
        findings: [],
        verdict: { passed: true, mandatory: 0, advisory: 0 },
    };
}

describe("the Markdown plan's heading", () => {
    const weakened = diffPlans(planOf(role("api-prod")), planOf(role("api-prod"), role("web-prod")), "main (1234567)");
    const heading = (plan: PlanReport, diff?: AccessDiff) => renderMarkdown(plan, { markdown: diff && renderDiffMarkdown(diff), weakening: diff?.counts.weakening }).split("\n")[0];

    it("says a change weakens access, even when the pack passes", () => {
        assert.equal(weakened.counts.weakening, 1);
        assert.equal(heading(planOf(role("api-prod"), role("web-prod")), weakened), "### :warning: keyless plan: keyless/prod: weakens access (1 change to review)");
    });

    it("keeps the failure's mark and still says it weakens access", () => {
        const failed = { ...planOf(role("api-prod"), role("web-prod")), verdict: { passed: false, mandatory: 1, advisory: 0 } };
        assert.equal(heading(failed, weakened), "### :x: keyless plan: keyless/prod: weakens access (1 change to review)");
    });

    it("gives the green check only to a passing plan that weakens nothing", () => {
        const narrowed = diffPlans(planOf(role("api-prod"), role("web-prod")), planOf(role("api-prod")), "main (1234567)");
        assert.equal(heading(planOf(role("api-prod")), narrowed), "### :white_check_mark: keyless plan: keyless/prod");
        assert.equal(heading(planOf(role("api-prod"))), "### :white_check_mark: keyless plan: keyless/prod");
    });

    it("names the stack's AWS account and region", () => {
        assert.match(renderedText(renderMarkdown(planOf(role("api-prod")))), /for AWS account 222222222222 in eu-west-1/);
        assert.match(renderText(planOf(role("api-prod"))), /^keyless plan: keyless\/prod {2}\(offline: Pulumi\.prod\.yaml, no credentials used\)\nAWS account 222222222222, region eu-west-1\n/);
    });
});

const kinds = (diff: AccessDiff) => diff.changes.map((change) => `${change.direction} ${change.kind}: ${change.summary}`);

describe("the access diff of two plans", () => {
    const api = role("api-prod");

    it("says access is unchanged when nothing that grants access changed", () => {
        const diff = diffPlans(planOf(api), planOf({ ...api, resource: "renamed-resource" }), "main (1234567)");
        assert.equal(diff.unchanged, true);
        assert.deepEqual(diff.changes, []);
        assert.equal(renderDiffText(diff), "Access is unchanged against main (1234567).\n");
        assert.match(renderedText(renderDiffMarkdown(diff)), /Access is unchanged against main \(1234567\)/);
    });

    it("reports a new role as a new grant: repository and context, role, account", () => {
        const web = role("web-prod");
        const diff = diffPlans(planOf(api), planOf(api, web), "main");
        assert.deepEqual(diff.grants.added, [{ repository: "acme/web", context: "environment:prod", role: "web-prod", roleArn: ARN("web-prod"), account: "222222222222" }]);
        assert.deepEqual(kinds(diff), ["weakening grant added: new grant"]);
        assert.ok(diff.changes[0].added.includes("trusts repo:acme/web:environment:prod"));
        assert.deepEqual(diff.counts, { weakening: 1, changed: 0, strengthening: 0 });
    });

    it("reports a removed role as grants removed", () => {
        const diff = diffPlans(planOf(api, role("web-prod")), planOf(api), "main");
        assert.deepEqual(
            diff.grants.removed.map((grant) => grant.role),
            ["web-prod"],
        );
        assert.deepEqual(kinds(diff), ["strengthening grant removed: grant removed"]);
    });

    it("reports a context added to a role as a new grant, and more subjects", () => {
        const after = { ...api, contexts: ["environment:prod", "ref:refs/heads/main"], subjects: [...api.subjects, "repo:acme/api:ref:refs/heads/main"] };
        const diff = diffPlans(planOf(api), planOf(after), "main");
        assert.deepEqual(
            diff.grants.added.map((grant) => grant.context),
            ["ref:refs/heads/main"],
        );
        assert.deepEqual(kinds(diff), ["weakening grant added: new grant", "weakening subjects: trusts more subjects"]);
    });

    it("tells widened permissions from narrowed ones, action by resource, conditions included", () => {
        const statements = [
            { effect: "Allow", actions: ["s3:PutObject", "s3:DeleteObject"], resources: ["arn:aws:s3:::assets/*"], conditions: [] },
            { effect: "Allow", actions: ["iam:PassRole"], resources: [ARN("task")], conditions: [{ operator: "StringEquals", key: "iam:PassedToService", values: ["ecs-tasks.amazonaws.com"] }] },
            { effect: "Deny", actions: ["iam:DeleteRolePermissionsBoundary"], resources: ["*"], conditions: [] },
        ];
        const before = role("api-prod", { permissions: { ...api.permissions, statements } });
        const after = role("api-prod", {
            permissions: {
                ...api.permissions,
                statements: [
                    { effect: "Allow", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::assets/*", "arn:aws:s3:::other/*"], conditions: [] },
                    { ...statements[1], conditions: [] },
                ],
            },
        });
        const diff = diffPlans(planOf(before), planOf(after), "main");
        assert.deepEqual(kinds(diff), ["weakening permissions: permissions widened", "strengthening permissions: permissions narrowed"]);
        const [widened, narrowed] = diff.changes;
        assert.deepEqual(widened.added, ["Allow s3:PutObject on arn:aws:s3:::other/*", `Allow iam:PassRole on ${ARN("task")}`]);
        assert.deepEqual(widened.removed, ["Deny iam:DeleteRolePermissionsBoundary on *"]);
        assert.deepEqual(narrowed.removed, [
            "Allow s3:DeleteObject on arn:aws:s3:::assets/*",
            `Allow iam:PassRole on ${ARN("task")} when StringEquals iam:PassedToService = ecs-tasks.amazonaws.com`,
        ]);
    });

    it("reports the boundary dropped, managed policies attached and a longer session as weakening", () => {
        const after = role("api-prod", {
            sessionSeconds: 7200,
            permissions: { ...api.permissions, boundary: null, managedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
        });
        const diff = diffPlans(planOf(api), planOf(after), "main");
        assert.deepEqual(kinds(diff), [
            "weakening session: session lengthened from 1 h to 2 h",
            "weakening managed policies: managed policy attached",
            "weakening boundary: permissions boundary removed",
        ]);
        assert.deepEqual(diff.changes[2].removed, ["arn:aws:iam::222222222222:policy/boundary"]);
        const back = diffPlans(planOf(after), planOf(api), "main");
        assert.deepEqual(
            back.changes.map((change) => change.direction),
            ["strengthening", "strengthening", "strengthening"],
        );
    });

    it("reports weakened environment protection: reviewers, self-review, admin bypass, wait timer, branches", () => {
        const after = role("api-prod", {
            environment: environment({ reviewers: [], preventSelfReview: false, adminsCanBypass: true, waitTimerMinutes: 0, deployFrom: ["main", "release/*"] }),
        });
        const diff = diffPlans(planOf(api), planOf(after), "main");
        assert.deepEqual(kinds(diff), [
            "weakening reviewers: no reviewer required any more",
            "weakening self-review: the author may now approve their own deployment",
            "weakening admin bypass: administrators may now bypass the protection rules",
            "weakening wait timer: wait timer shortened from 10 to 0 min",
            "weakening deploy from: may now deploy from more branches or tags",
        ]);
        assert.deepEqual(diff.changes[4].added, ["release/*"]);
        const back = diffPlans(planOf(after), planOf(api), "main");
        assert.ok(back.changes.every((change) => change.direction === "strengthening"), kinds(back).join("\n"));
        const unmanaged = diffPlans(planOf(api), planOf(role("api-prod", { environment: undefined })), "main");
        assert.deepEqual(kinds(unmanaged), ["weakening environment: environment no longer managed by this stack (GitHub would create it unprotected)"]);
    });

    it("lists weakening changes first, whatever order they come in", () => {
        const web = role("web-prod");
        const diff = diffPlans(planOf(api, web), planOf(role("api-prod", { sessionSeconds: 1800 }), { ...web, sessionSeconds: 7200 }), "main");
        assert.deepEqual(
            diff.changes.map((change) => `${change.direction} ${change.grant.role}`),
            ["weakening web-prod", "strengthening api-prod"],
        );
        const markdown = renderDiffMarkdown(diff);
        assert.ok(markdown.indexOf("**Weakening**") < markdown.indexOf("**Strengthening**"));
    });

    it("draws the changed grants as a Mermaid graph, repositories to accounts, values escaped", () => {
        const odd = role("odd-prod", { repository: 'acme/"odd"<x>', contexts: ["environment:prod"] });
        const markdown = renderDiffMarkdown(diffPlans(planOf(api), planOf(api, odd), "main"));
        const graph = /```mermaid\n([\s\S]*?)```/.exec(markdown)?.[1] ?? "";
        assert.match(graph, /^flowchart LR\n/);
        assert.match(graph, /n1\["acme\/#34;odd#34;#60;x#62;"\]/);
        assert.match(graph, /n1 == added ==> n2\n {4}n2 == added ==> n3\n {4}n3 == added ==> n4/);
        assert.match(graph, /n4\["account 222222222222"\]/);
    });
});

describe("npm run plan --base <git-ref>", function () {
    let repository: string;
    let tempBefore: string[];
    const runs: Record<string, PlanRun> = {};
    const exportedTrees = () => fs.readdirSync(os.tmpdir()).filter((entry) => entry.startsWith("keyless-base-"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=keyless-test", "-c", "user.email=test@example.com", ...args], { cwd: repository, stdio: "pipe" });
    const ENTRY = ["  keyless:repositories:", "    - name: api", "      subjectFormat: legacy", "      permissions:", "        lambda:", "          functions: [api]"].join("\n");

    before(async function () {
        this.timeout(300_000);
        tempBefore = exportedTrees();
        // A project of its own: the keyless program, two stack files, one commit.
        repository = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-diff-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "tests/fixtures/keyless-config-cases/Pulumi.yaml"), path.join(repository, "Pulumi.yaml"));
        fs.writeFileSync(path.join(repository, "package.json"), JSON.stringify({ name: "keyless-diff-fixture", private: true, main: "index.ts" }));
        fs.writeFileSync(path.join(repository, "index.ts"), `import keyless from ${JSON.stringify(path.join(PROJECT_DIR, "index"))};\nexport = keyless;\n`);
        const stack = ["config:", "  aws:region: eu-west-1", "  github:owner: acme", '  keyless:accountId: "333333333333"', "  keyless:environment: prod", "  keyless:reviewerUsers: [octo-lead]", ENTRY, ""].join("\n");
        fs.writeFileSync(path.join(repository, "Pulumi.fixture.yaml"), stack);
        fs.writeFileSync(path.join(repository, "Pulumi.same.yaml"), stack);
        git("init", "--quiet");
        git("add", ".");
        git("commit", "--quiet", "-m", "two stacks");
        // The change under review: a second repository may deploy with the fixture stack.
        fs.writeFileSync(path.join(repository, "Pulumi.fixture.yaml"), `${stack}    - name: web\n      subjectFormat: legacy\n      permissions:\n        lambda:\n          functions: [web]\n`);
        // A stack that is new in the working tree.
        fs.writeFileSync(path.join(repository, "Pulumi.fresh.yaml"), stack);
        const plan = (...args: string[]) => runPlan([...args, "--program", repository, "--base", "HEAD"]);
        runs.text = await plan("fixture");
        runs.markdown = await plan("fixture", "--format", "markdown");
        runs.json = await plan("fixture", "--format", "json");
        runs.same = await plan("same");
        runs.fresh = await plan("fresh");
        runs.noSuchRef = await runPlan(["same", "--program", repository, "--base", "no-such-branch"]);
    });
    after(() => fs.rmSync(repository, { recursive: true, force: true }));

    it("reports the repository added to the stack as a new grant, in text", () => {
        const { exitCode, stdout, stderr } = runs.text;
        assert.equal(exitCode, 0, stdout + stderr);
        assert.match(stdout, /Access changes against HEAD \([0-9a-f]{7}\): 1 weakening\n {2}WEAKENING {5}new grant: acme\/web -> environment:prod -> web-prod-fixture -> account 333333333333\n/);
        assert.match(stdout, /\+ trusts repo:acme\/web:environment:prod\n/);
    });

    it("in Markdown, with the grant in the graph", () => {
        const { exitCode, stdout } = runs.markdown;
        assert.equal(exitCode, 0, stdout);
        const text = renderedText(stdout);
        assert.match(text, /Access changes against HEAD \([0-9a-f]{7}\): 1 weakening/);
        assert.match(text, /new grant: acme\/web → environment:prod → web-prod-fixture → account 333333333333/);
        assert.match(stdout, /```mermaid\nflowchart LR\n[\s\S]*"acme\/web"[\s\S]*== added ==>/);
    });

    it("heads a passing Markdown plan that weakens access with a warning, not a green check", () => {
        assert.match(runs.markdown.stdout, /^### :warning: keyless plan: keyless\/fixture: weakens access \(1 change to review\)\n/);
        assert.doesNotMatch(runs.markdown.stdout, /white_check_mark/);
    });

    it("and in JSON, next to the plan", () => {
        const { exitCode, stdout } = runs.json;
        assert.equal(exitCode, 0, stdout);
        const report = JSON.parse(stdout) as PlanReport & { accessDiff: AccessDiff };
        assert.equal(report.roles.length, 2);
        assert.equal(report.accessDiff.unchanged, false);
        assert.deepEqual(report.accessDiff.grants, {
            added: [{ repository: "acme/web", context: "environment:prod", role: "web-prod-fixture", roleArn: "arn:aws:iam::333333333333:role/github-actions/web-prod-fixture", account: "333333333333" }],
            removed: [],
        });
    });

    it("says access is unchanged for a stack the change leaves alone", () => {
        const { exitCode, stdout } = runs.same;
        assert.equal(exitCode, 0, stdout);
        assert.match(stdout, /\nAccess is unchanged against HEAD \([0-9a-f]{7}\)\.\n/);
    });

    it("shows every grant of a stack that did not exist at the ref as new, and says why", () => {
        const { exitCode, stdout } = runs.fresh;
        assert.equal(exitCode, 0, stdout);
        assert.match(stdout, /note: the stack has no Pulumi\.fresh\.yaml at HEAD \([0-9a-f]{7}\): every grant is new\n/);
        assert.match(stdout, /WEAKENING {5}new grant: acme\/api -> environment:prod -> api-prod-fresh -> account 333333333333\n/);
    });

    it("leaves no exported tree behind, and names a ref that names no commit", () => {
        assert.equal(runs.noSuchRef.exitCode, 2);
        assert.match(runs.noSuchRef.stderr, /^plan: --base: "no-such-branch" names no commit in .*\n$/);
        assert.deepEqual(
            exportedTrees().filter((entry) => !tempBefore.includes(entry)),
            [],
        );
    });
});
