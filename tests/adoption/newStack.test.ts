// Adding a stack is one step: `npm run new-stack -- <stack> --from <stack> --account <id>`.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { ORGANIZATION_PACK_CONFIG } from "../../components/protection";
import { loadStackConfig } from "../../components/config";
import { ROLE_CHANGE_ACTIONS } from "../../components/keylessPermissions";
import { collidingStacks, deriveStack, newStack, parseArguments } from "../../tools/newStack";
import { AwsWorld } from "../../tools/offlineRun";
import { readStackConfig } from "../../tools/stackFiles";
import { effectivelyAllows, stackRoles } from "../helpers/iamEvaluation";
import { FIXTURE_PACK_CONFIG, FIXTURE_STACKS, runStack } from "../helpers/runStack";

const ROOT = path.resolve(__dirname, "../..");
const devText = fs.readFileSync(path.join(FIXTURE_STACKS, "Pulumi.dev.yaml"), "utf8");

interface StackFile {
    secretsprovider?: string;
    encryptionsalt?: string;
    config: Record<string, unknown>;
}

/** A project directory with the fixture stacks and the fixture organisation configuration. */
function project(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-new-stack-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const stack of ["dev", "prod"]) fs.copyFileSync(path.join(FIXTURE_STACKS, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
    fs.mkdirSync(path.join(dir, path.dirname(ORGANIZATION_PACK_CONFIG)), { recursive: true });
    fs.copyFileSync(FIXTURE_PACK_CONFIG, path.join(dir, ORGANIZATION_PACK_CONFIG));
    return dir;
}

describe("adding a stack", function () {
    const dirs: string[] = [];
    const tempProject = () => {
        const dir = project();
        dirs.push(dir);
        return dir;
    };
    after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    describe("the new stack file", () => {
        const derived = deriveStack(devText, { stack: "staging", from: "dev", accountId: "333333333333", region: "eu-central-1" });
        const file = parse(derived.text) as StackFile;

        it("sets the account (quoted), the environment (default: the stack's name) and the region", () => {
            assert.equal(file.config["keyless:accountId"], "333333333333");
            assert.match(derived.text, /keyless:accountId: "333333333333"/);
            assert.equal(file.config["keyless:environment"], "staging");
            assert.equal(file.config["aws:region"], "eu-central-1");
            assert.equal(deriveStack(devText, { stack: "staging", from: "dev", accountId: "333333333333", environment: "stage" }).environment, "stage");
        });

        it("moves every ARN to the new account and keeps no trace of the old one", () => {
            assert.doesNotMatch(derived.text, /111111111111/);
            assert.equal(file.config["keyless:permissionsBoundaryArn"], "arn:aws:iam::333333333333:policy/github-actions-boundary");
        });

        it("drops the encrypted values and the source's secrets provider, and lists the keys to set again", () => {
            assert.deepEqual(derived.droppedSecrets, ["keyless:storefrontSentryAuthToken"]);
            assert.equal(file.config["keyless:storefrontSentryAuthToken"], undefined);
            assert.doesNotMatch(derived.text, /secure:|secretsprovider|encryptionsalt/);
        });

        it("lists the values that still name the source stack's resources, and keeps the comments", () => {
            assert.deepEqual(
                derived.sourceMentions.map((mention) => `${mention.path}=${mention.value}`),
                [
                    "keyless:repositories[3].permissions.ecs.cluster=orders-dev",
                    "keyless:repositories[4].permissions.lambda.functions[0]=invoice-worker-dev",
                    "keyless:repositories[5].permissions.staticSite.bucket=acme-storefront-dev",
                    "keyless:repositories[5].variables.SITE_URL=https://dev.shop.acme.example",
                ],
            );
            assert.match(derived.text, /# The staging stack: account 333333333333/);
            assert.match(derived.text, /# A container service created in 2026/);
        });

        it("moves a variablePrefix that names the source stack to the new one, so the stacks never share a repository variable", () => {
            const prefixes = (parse(derived.text) as { config: { "keyless:repositories": { variablePrefix?: string }[] } }).config["keyless:repositories"]
                .map((entry) => entry.variablePrefix)
                .filter((prefix) => prefix !== undefined);
            assert.deepEqual(prefixes, ["AWS_DRIFT_STAGING"]);
        });

        it("refuses a bad stack name, account, environment or region, all at once", () => {
            assert.throws(
                () => deriveStack(devText, { stack: "my stack", from: "dev", accountId: "12345", environment: "a:b", region: "mars-1" }),
                (error: Error) => ["not a stack name", "not a 12-digit AWS account ID", "not a GitHub environment name", "not an AWS region"].every((part) => error.message.includes(part)),
            );
        });

        it("refuses names where one begins the other: their preview comments would collide (pulumi/actions#1165)", () => {
            assert.deepEqual(collidingStacks("dev-eu", ["dev", "prod"]), ["dev"]);
            assert.deepEqual(collidingStacks("pro", ["dev", "prod"]), ["prod"]);
            assert.deepEqual(collidingStacks("staging", ["dev", "prod"]), []);
        });
    });

    describe("npm run new-stack", () => {
        it("writes Pulumi.staging.yaml, which works once its secret is set", async () => {
            const dir = tempProject();
            const outcome = newStack(dir, { stack: "staging", from: "dev", accountId: "333333333333" });
            assert.equal(outcome.file, path.join(dir, "Pulumi.staging.yaml"));
            // Nothing to fix but the secret it could not copy, and it says how to set it.
            assert.deepEqual(outcome.problems, []);
            assert.match(outcome.report, /pulumi config set --secret --stack <org>\/staging keyless:storefrontSentryAuthToken/);
            assert.match(outcome.report, /The program accepts the stack once those secrets are set/);
            const before = await runStack("staging", { stackDir: dir });
            assert.match(before.run.error ?? "", /config key keyless:storefrontSentryAuthToken is not set; set it with `pulumi config set --secret/);
            assert.match(outcome.report, /the pipeline finds staging in its stack file/);
            // `pulumi config set --secret` adds the value encrypted; offline it is a placeholder.
            // (base64, as Pulumi Cloud's and the KMS providers' ciphertext is).
            fs.appendFileSync(outcome.file, `  keyless:storefrontSentryAuthToken:\n    secure: ${crypto.randomBytes(51).toString("base64")}\n`);
            const run = (await runStack("staging", { stackDir: dir })).assertSucceeded();
            const environments = run.ofType("github:index/repositoryEnvironment:RepositoryEnvironment");
            assert.ok(environments.length > 0 && environments.every((environment) => environment.inputs.environment === "staging"));
            assert.ok(run.ofType("aws:iam/role:Role").every((role) => String(role.inputs.assumeRolePolicy).includes("arn:aws:iam::333333333333:oidc-provider/")));
        });

        it("says when the organisation protects the new environment and the source had no reviewers", () => {
            const outcome = newStack(tempProject(), { stack: "live", from: "dev", accountId: "333333333333", environment: "production" });
            assert.ok(outcome.problems.some((problem) => /environment "production" of orders-api has no reviewers/.test(problem)), outcome.problems.join("\n"));
            assert.match(outcome.report, /The program refuses the stack until these are fixed/);
        });

        it("never overwrites a stack file, and names the stacks it can copy", () => {
            const dir = tempProject();
            assert.throws(() => newStack(dir, { stack: "prod", from: "dev", accountId: "333333333333" }), /Pulumi\.prod\.yaml already exists/);
            assert.throws(() => newStack(dir, { stack: "staging", from: "qa", accountId: "333333333333" }), /no stack "qa" to copy.*stacks here: dev, prod/);
            assert.throws(() => newStack(dir, { stack: "dev-eu", from: "dev", accountId: "333333333333" }), /one name begins the other/);
        });

        it("runs from npm, and names a missing argument", async () => {
            const dir = tempProject();
            const { stdout } = await promisify(execFile)("npm", ["run", "--silent", "new-stack", "--", "staging", "--from", "dev", "--account", "333333333333", "--dir", dir], { cwd: ROOT });
            assert.match(stdout, /^Wrote Pulumi\.staging\.yaml from Pulumi\.dev\.yaml: account 333333333333, GitHub environment "staging"/);
            assert.ok(fs.existsSync(path.join(dir, "Pulumi.staging.yaml")));
            assert.throws(() => parseArguments(["staging", "--from", "dev"]), /--account <id> names the new stack's AWS account/);
            assert.throws(() => parseArguments(["staging", "--from"]), /--from needs a value/);
        });
    });

    describe("several stacks in one AWS account (a staging stack copied into dev's account)", function () {
        this.timeout(180_000);
        const DEV_ACCOUNT = "111111111111";
        const PROVIDER = `arn:aws:iam::${DEV_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
        const secret = () => `  keyless:storefrontSentryAuthToken:\n    secure: ${crypto.randomBytes(51).toString("base64")}\n`;
        const configOf = (dir: string, stack: string) => {
            const file = readStackConfig(ROOT, stack, path.join(dir, `Pulumi.${stack}.yaml`));
            return loadStackConfig({ stack, values: file.values, secretKeys: new Set(file.secretKeys) });
        };
        /** Dev's account after dev's first `up`: its provider (tagged with dev) and its roles. */
        const devAccount = (dir: string): AwsWorld => {
            const dev = configOf(dir, "dev");
            return {
                oidcProviders: [{ url: "https://token.actions.githubusercontent.com", tags: { "keyless:stack": "dev" } }],
                roles: dev.deployments.map((deployment) => ({ roleName: deployment.roleName, path: dev.rolePath, tags: { "keyless:stack": "dev" } })),
            };
        };

        it("a hand copy is refused up front, naming keyless:oidcProviderArn and dev's provider's ARN", async () => {
            const dir = tempProject();
            const copy = deriveStack(devText, { stack: "staging", from: "dev", accountId: DEV_ACCOUNT });
            fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), copy.text + secret());
            const run = await runStack("staging", { stackDir: dir, aws: devAccount(dir) });
            assert.ok(run.run.refused, run.run.error);
            assert.match(run.run.error ?? "", new RegExp(`keyless:oidcProviderArn: account ${DEV_ACCOUNT} already holds the OIDC provider .*created by keyless stack dev.*set keyless:oidcProviderArn to ${PROVIDER.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} to adopt it.*keyless:rolePath \\/github-actions-staging\\/.*npm run new-stack`));
            assert.equal(run.ofType("aws:iam/role:Role").length, 0, "refused before anything is created");
            // Dev itself keeps its own provider.
            const dev = await runStack("dev", { stackDir: dir, aws: devAccount(dir) });
            assert.equal(dev.run.error, undefined, dev.run.error);
        });

        it("a role name dev already has is refused with IAM's error", async () => {
            const dir = tempProject();
            const copy = deriveStack(devText, { stack: "staging", from: "dev", accountId: DEV_ACCOUNT });
            fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), copy.text + secret());
            const repositories = JSON.parse(readStackConfig(ROOT, "staging", path.join(dir, "Pulumi.staging.yaml")).values["keyless:repositories"] ?? "[]") as Record<string, unknown>[];
            repositories[3] = { ...repositories[3], roleName: "orders-api-dev" };
            const run = await runStack("staging", {
                stackDir: dir,
                aws: devAccount(dir),
                config: { "keyless:oidcProviderArn": PROVIDER, "keyless:repositories": repositories },
            });
            assert.match(run.run.error ?? "", /creating IAM Role \(orders-api-dev\): EntityAlreadyExists: Role with name orders-api-dev already exists\./);
        });

        it("new-stack sees dev in the account and writes the adoption, a path and a boundary of staging's own; the plan passes", async () => {
            const dir = tempProject();
            const outcome = newStack(dir, { stack: "staging", from: "dev", accountId: DEV_ACCOUNT });
            assert.deepEqual(outcome.problems, []);
            assert.match(outcome.report, new RegExp(`Account ${DEV_ACCOUNT} already holds stack dev of this project`));
            const file = parse(fs.readFileSync(outcome.file, "utf8")) as StackFile;
            assert.equal(file.config["keyless:oidcProviderArn"], PROVIDER);
            assert.equal(file.config["keyless:rolePath"], "/github-actions-staging/");
            assert.equal(file.config["keyless:permissionsBoundaryArn"], `arn:aws:iam::${DEV_ACCOUNT}:policy/github-actions-boundary-staging`);
            // Another account: nothing shared, nothing written.
            const elsewhere = parse(fs.readFileSync(newStack(dir, { stack: "qa", from: "dev", accountId: "444444444444" }).file, "utf8")) as StackFile;
            assert.equal(elsewhere.config["keyless:oidcProviderArn"], undefined);
            assert.equal(elsewhere.config["keyless:rolePath"], undefined);

            fs.appendFileSync(outcome.file, secret());
            const run = (await runStack("staging", { stackDir: dir, aws: devAccount(dir) })).assertSucceeded();
            assert.equal(run.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0, "adopted, not created");
            const devNames = new Set(configOf(dir, "dev").deployments.map((deployment) => deployment.roleName.toLowerCase()));
            const stagingNames = run.ofType("aws:iam/role:Role").map((role) => String(role.inputs.name));
            assert.ok(stagingNames.length > 0 && stagingNames.every((name) => !devNames.has(name.toLowerCase())), stagingNames.join(", "));
        });

        it("no role of either stack can change a role of the other, nor staging the provider it adopted (IAM evaluation)", () => {
            const dir = tempProject();
            newStack(dir, { stack: "staging", from: "dev", accountId: DEV_ACCOUNT });
            fs.appendFileSync(path.join(dir, "Pulumi.staging.yaml"), secret());
            const dev = stackRoles(configOf(dir, "dev"));
            const staging = stackRoles(configOf(dir, "staging"));
            const found: string[] = [];
            for (const [from, to] of [
                [dev, staging],
                [staging, dev],
            ]) {
                for (const role of from) {
                    for (const target of to) {
                        for (const action of ROLE_CHANGE_ACTIONS) {
                            const request = { action, resource: target.arn, context: { "aws:PrincipalArn": role.arn, "iam:PermissionsBoundary": target.boundaryArn ?? "" } };
                            if (effectivelyAllows(role.identity, role.boundary, request)) found.push(`${role.key}: ${action} on ${target.arn}`);
                        }
                    }
                }
            }
            for (const role of staging) {
                for (const action of ["iam:DeleteOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"]) {
                    if (effectivelyAllows(role.identity, role.boundary, { action, resource: PROVIDER, context: { "aws:PrincipalArn": role.arn } })) found.push(`${role.key}: ${action}`);
                }
            }
            assert.deepEqual(found, []);
            // The check can fail: dev's keyless role may change dev's own other roles.
            const devKeyless = dev.find((role) => role.keyless);
            const devOther = dev.find((role) => !role.keyless);
            assert.ok(devKeyless && devOther);
            assert.ok(effectivelyAllows(devKeyless.identity, devKeyless.boundary, { action: "iam:PutRolePolicy", resource: devOther.arn, context: { "aws:PrincipalArn": devKeyless.arn } }));
        });
    });
});
