// End to end: `npm run plan` as a newcomer or a fork pull request runs it, with no credentials.
import * as assert from "node:assert/strict";
import type { PlanReport } from "../../tools/planReport";
import { listStacks } from "../../tools/stackFiles";
import { renderedText, stringsIn } from "../helpers/markdown";
import { PlanRun, runPlan } from "../helpers/runPlan";

const UNSAFE = ["test", "--program", "tests/fixtures/unsafe-program"];
// The stack files and the organisation configuration the tests own, never the user's own.
const fixture = (stack: string) => [stack, "--config-file", `tests/fixtures/stacks/Pulumi.${stack}.yaml`, "--policy-config", "tests/fixtures/policy-config/organization.json"];
const CASES = ["--program", "tests/fixtures/keyless-config-cases"];

describe("npm run plan", function () {
    const runs: Record<string, PlanRun> = {};
    before(async function () {
        this.timeout(600_000);
        const commands: Record<string, string[]> = {
            devText: fixture("dev"),
            devMarkdown: [...fixture("dev"), "--format", "markdown"],
            prodJson: [...fixture("prod"), "--format", "json"],
            prodMarkdown: [...fixture("prod"), "--format", "markdown"],
            unsafeText: UNSAFE,
            unsafeMarkdown: [...UNSAFE, "--format", "markdown"],
            refused: ["refused", ...CASES],
            garbled: ["garbled", ...CASES],
            unknownStack: ["no-such-stack"],
            badFormat: [...fixture("dev"), "--format", "html"],
        };
        // runPlan runs as many plans at once as there are processors (tests/helpers/runPlan.ts).
        await Promise.all(Object.entries(commands).map(async ([name, args]) => (runs[name] = await runPlan(args))));
    });

    describe("on this project's program with the fixture stacks", () => {
        it("prints dev's trust matrix and passes", () => {
            const { exitCode, stdout } = runs.devText;
            assert.equal(exitCode, 0, stdout);
            assert.match(stdout, /acme\/orders-api -> environment:dev\n {2}role {8}orders-api-dev \(arn:aws:iam::111111111111:role\/github-actions\/orders-api-dev\)\n {2}trusts {6}repo:acme@73214512\/orders-api@1061140022:environment:dev\n/);
            assert.match(stdout, /acme\/storefront -> environment:dev[\s\S]*trusts {6}repo:acme\/storefront:environment:dev\n {14}repo:acme@73214512\/storefront@684421907:environment:dev/);
            // Each role lists the variables it publishes, not every variable of its repository.
            assert.match(stdout, /acme\/keyless -> pull_request\n[^\n]*\n(?: {2}[^\n]*\n)*? {2}published {3}AWS_PREVIEW_DEV_REGION, AWS_PREVIEW_DEV_ROLE_ARN\n/);
            assert.match(stdout, /acme\/keyless -> ref:refs\/heads\/main\n[^\n]*\n(?: {2}[^\n]*\n)*? {2}published {3}AWS_DRIFT_DEV_REGION, AWS_DRIFT_DEV_ROLE_ARN\n/);
            assert.match(stdout, /^keyless plan: keyless\/dev {2}\(offline: [^\n]*\)\nAWS account 111111111111, region [a-z]+-[a-z]+-\d\n/);
            assert.match(stdout, /Allow iam:PassRole on arn:aws:iam::111111111111:role\/orders-api-task, arn:aws:iam::111111111111:role\/orders-api-task-execution\n {18}when StringEquals iam:PassedToService = ecs-tasks\.amazonaws\.com\n/);
            assert.match(stdout, /deploy from main, release\/\*/);
            assert.match(stdout, /\nPASS: no mandatory policy violated/);
        });

        it("names secrets but never shows their values, and says encrypted values are placeholders", () => {
            const { stdout } = runs.devText;
            assert.match(stdout, /secrets {5}AWS_DEPLOY_ROLE_ARN, SENTRY_AUTH_TOKEN/);
            assert.match(stdout, /note: encrypted config values are shown as placeholders: keyless:storefrontSentryAuthToken/);
            assert.doesNotMatch(stdout, /\[secret: encrypted|sntrys_|v1:9lMGJ1V4/);
        });

        it("writes a pull request comment in Markdown", () => {
            const { exitCode, stdout } = runs.devMarkdown;
            assert.equal(exitCode, 0);
            assert.match(stdout, /^### :white_check_mark: keyless plan: keyless\/dev\n/);
            assert.match(stdout, /\nRendered offline from <code>[^\n]*<\/code> with no credentials, for AWS account <code>111111111111<\/code> in <code>[a-z]+-[a-z]+-\d<\/code>: /);
            assert.match(stdout, /\| Repository \| Trusted subjects \| Role \| Session \| Permissions \| Boundary \| Reviewers \| Deploy from \| Secrets and variables \|/);
            assert.match(
                stdout,
                /\| acme\/orders-api \| <code>repo:acme@73214512\/orders-api@1061140022:environment:dev<\/code> \| <code>orders-api-dev<\/code> \| 1 h \| ecs \| <code>arn:aws:iam::111111111111:policy\/github-actions-boundary<\/code> \| none \| <code>main<\/code>, <code>release\/\\\*<\/code> \|/,
            );
            assert.match(stdout, /\*\*PASS: no mandatory policy violated/);
        });

        it("keeps every wildcard value of the JSON plan in the Markdown as GitHub renders it", () => {
            const wildcards = stringsIn(JSON.parse(runs.prodJson.stdout)).filter((value) => value.includes("*"));
            assert.ok(wildcards.length > 0, "the prod plan has no wildcard value to check");
            const text = renderedText(runs.prodMarkdown.stdout);
            for (const value of wildcards) assert.ok(text.includes(value), `${value} does not survive rendering`);
        });

        it("gives every role's full ARN and permissions boundary in JSON and Markdown", () => {
            const report = JSON.parse(runs.prodJson.stdout) as PlanReport;
            const markdown = renderedText(runs.prodMarkdown.stdout);
            for (const role of report.roles) {
                assert.match(role.arn ?? "", /^arn:aws:iam::\d{12}:role\//);
                assert.ok(markdown.includes(role.arn ?? "-"), role.arn);
                const boundary = role.permissions.boundary;
                assert.ok(boundary === null || markdown.includes(boundary), `${role.roleName}: boundary ${boundary}`);
            }
        });

        it("gives tools prod's matrix as JSON: reviewers, wait timer, main-only, exact subjects", () => {
            const { exitCode, stdout } = runs.prodJson;
            assert.equal(exitCode, 0);
            const report = JSON.parse(stdout) as PlanReport & { schemaVersion: number };
            assert.equal(report.schemaVersion, 1);
            assert.equal(report.roles.length, 6);
            assert.deepEqual(report.verdict, { passed: true, mandatory: 0, advisory: 0 });
            const orders = report.roles.find((role) => role.roleName === "orders-api-prod")!;
            assert.deepEqual(orders.subjects, ["repo:acme@73214512/orders-api@1061140022:environment:prod"]);
            assert.equal(orders.sessionSeconds, 7200);
            assert.deepEqual(orders.environment?.reviewers, ["team platform-approvers", "user octo-lead"]);
            assert.equal(orders.environment?.waitTimerMinutes, 10);
            assert.equal(orders.environment?.adminsCanBypass, false);
            assert.deepEqual(orders.environment?.deployFrom, ["main"]);
            assert.deepEqual(orders.environment?.secrets, ["AWS_DEPLOY_ROLE_ARN"]);
        });
    });

    describe("on a program that registers unsafe IAM resources directly", () => {
        it("blocks the org-wide trust, PassRole on every role and AdministratorAccess, and exits non-zero", () => {
            const { exitCode, stdout } = runs.unsafeText;
            assert.equal(exitCode, 1, stdout);
            assert.match(stdout, /\[mandatory\] github-oidc-trust-pins-repository on org-wide: .*"repo:acme\/\*".*Use StringEquals/);
            assert.match(stdout, /\[mandatory\] iam-no-passrole-on-all-roles on pass-any-role: .*iam:PassRole.*every role/);
            assert.match(stdout, /\[mandatory\] iam-no-admin-access on admin: .*AdministratorAccess/);
            // AdministratorAccess also lets the role rewrite itself, but one attachment is one
            // violation: iam-no-self-escalation leaves AWS's admin policies to iam-no-admin-access.
            assert.doesNotMatch(stdout, /iam-no-self-escalation on/);
            assert.match(stdout, /\nFAIL: 3 mandatory violations/);
        });

        it("lists the role it found, whatever program registered it", () => {
            assert.match(runs.unsafeText.stdout, /acme\/\* -> any context\n {2}role {8}org-wide/);
        });

        it("says so in the Markdown comment too", () => {
            const { exitCode, stdout } = runs.unsafeMarkdown;
            assert.equal(exitCode, 1);
            assert.match(stdout, /^### :x: keyless plan: unsafe-example\/test/);
            assert.match(stdout, /- \*\*mandatory\*\* <code>iam-no-admin-access<\/code> on <code>admin<\/code>: /);
        });
    });

    describe("refusals and errors", () => {
        it("shows the program's own validation messages for a config it refuses", () => {
            const { exitCode, stdout } = runs.refused;
            assert.equal(exitCode, 1);
            assert.match(stdout, /the program refused this stack's config, so nothing would be created/);
            assert.match(stdout, /keyless:maxSessionDuration: 86400 is outside 3600-43200/);
            assert.match(stdout, /keyless:repositories\[0\]\.permissions\.statements\[0\]: allows iam:PassRole/);
            assert.match(stdout, /keyless:repositories\[1\]\.environment: "prod\*" is not a GitHub environment name/);
            assert.match(stdout, /keyless:repositories\[1\]\.permissions\.managedPolicyArns\[0\]: attaches the AWS-managed policy AdministratorAccess/);
        });

        it("names an unknown stack and the stacks there are", () => {
            assert.equal(runs.unknownStack.exitCode, 2);
            const here = listStacks(".");
            assert.match(runs.unknownStack.stderr, /no stack named "no-such-stack"/);
            assert.ok(runs.unknownStack.stderr.includes(`(stacks here: ${here.join(", ")})`), runs.unknownStack.stderr);
        });

        it("says which stack file it cannot read", () => {
            assert.equal(runs.garbled.exitCode, 2);
            assert.match(runs.garbled.stderr, /Pulumi\.garbled\.yaml is not valid YAML/);
        });

        it("rejects an unknown format with the usage", () => {
            assert.equal(runs.badFormat.exitCode, 2);
            assert.match(runs.badFormat.stderr, /--format must be one of text, markdown, json[\s\S]*usage: npm run plan/);
        });
    });
});
