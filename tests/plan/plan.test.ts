// End to end: `npm run plan` as a newcomer or a fork pull request runs it, with no credentials.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { PlanReport } from "../../tools/planReport";
import { listStacks } from "../../tools/stackFiles";

interface PlanRun {
    readonly exitCode: number;
    readonly stdout: string;
    readonly stderr: string;
}

async function runPlan(...args: string[]): Promise<PlanRun> {
    try {
        const { stdout, stderr } = await promisify(execFile)("npm", ["run", "--silent", "plan", "--", ...args], {
            env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", GITHUB_TOKEN: "" },
            maxBuffer: 16 * 1024 * 1024,
        });
        return { exitCode: 0, stdout, stderr };
    } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
}

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
            unsafeText: UNSAFE,
            unsafeMarkdown: [...UNSAFE, "--format", "markdown"],
            refused: ["refused", ...CASES],
            garbled: ["garbled", ...CASES],
            unknownStack: ["no-such-stack"],
            badFormat: [...fixture("dev"), "--format", "html"],
        };
        // Three at a time: each plan starts a ts-node program and a policy pack process, and on a
        // busy machine nine at once starve the pack's start-up.
        const queue = Object.entries(commands);
        const worker = async (): Promise<void> => {
            for (let next = queue.shift(); next !== undefined; next = queue.shift()) runs[next[0]] = await runPlan(...next[1]);
        };
        await Promise.all([worker(), worker(), worker()]);
    });

    describe("on this project's program with the fixture stacks", () => {
        it("prints dev's trust matrix and passes", () => {
            const { exitCode, stdout } = runs.devText;
            assert.equal(exitCode, 0, stdout);
            assert.match(stdout, /acme\/orders-api -> environment:dev\n {2}role {8}orders-api-dev \(arn:aws:iam::111111111111:role\/github-actions\/orders-api-dev\)\n {2}trusts {6}repo:acme@73214512\/orders-api@1061140022:environment:dev\n/);
            assert.match(stdout, /acme\/storefront -> environment:dev[\s\S]*trusts {6}repo:acme\/storefront:environment:dev\n {14}repo:acme@73214512\/storefront@684421907:environment:dev/);
            assert.match(stdout, /acme\/keyless -> pull_request[\s\S]*published {3}(AWS_DRIFT_DEV_REGION, AWS_DRIFT_DEV_ROLE_ARN, )?AWS_PREVIEW_DEV_REGION, AWS_PREVIEW_DEV_ROLE_ARN/);
            assert.match(stdout, /Allow iam:PassRole on iam:role\/orders-api-task, iam:role\/orders-api-task-execution \(with conditions\)/);
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
            assert.match(stdout, /\| Repository \| Trusted subjects \| Role \| Session \| Permissions \| Reviewers \| Deploy from \| Secrets and variables \|/);
            assert.match(stdout, /\| acme\/orders-api \| `repo:acme@73214512\/orders-api@1061140022:environment:dev` \| `orders-api-dev` \| 1 h \| ecs \| none \| main, release\/\* \|/);
            assert.match(stdout, /\*\*PASS: no mandatory policy violated/);
        });

        it("gives tools prod's matrix as JSON: reviewers, wait timer, main-only, exact subjects", () => {
            const { exitCode, stdout } = runs.prodJson;
            assert.equal(exitCode, 0);
            const report = JSON.parse(stdout) as PlanReport;
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
            assert.match(stdout, /\nFAIL: 3 mandatory violations/);
        });

        it("lists the role it found, whatever program registered it", () => {
            assert.match(runs.unsafeText.stdout, /acme\/\* -> any context\n {2}role {8}org-wide/);
        });

        it("says so in the Markdown comment too", () => {
            const { exitCode, stdout } = runs.unsafeMarkdown;
            assert.equal(exitCode, 1);
            assert.match(stdout, /^### :x: keyless plan: unsafe-example\/test/);
            assert.match(stdout, /- \*\*mandatory\*\* `iam-no-admin-access` on `admin`: /);
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
