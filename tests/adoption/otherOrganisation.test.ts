// The "done means", as a test: a copy of the project whose stack files hold another
// organisation's values (owner, accounts, repository names and IDs, and secrets under another
// provider) still runs and plans every stack, whichever stack files it has; a staging-like stack
// copied by hand, and one made with `npm run new-stack`, plan too; a prod-like stack with its
// reviewers removed is refused, about reviewers. The behaviour cases start from the example stacks
// the tests own (tests/fixtures/stacks), copied in under names no user would choose, and judge
// with the pack configuration the tests own, so the user's stack files and pack configuration can
// hold anything.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isSeq, parseDocument } from "yaml";
import { ORGANIZATION_PACK_CONFIG } from "../../components/protection";
import { AnalyzerClient } from "../../policy/harness/analyzerClient";
import { adoptStackFile, copyProject, handCopyStack, PROJECT_ROOT as ROOT, rewriteYaml, seededRandom } from "../helpers/projectCopy";
import { FIXTURE_PACK_CONFIG, FIXTURE_STACKS } from "../helpers/runStack";
import { sharedPack } from "../helpers/sharedPack";
import { newStack } from "../../tools/newStack";
import { plan, PlanOutcome } from "../../tools/plan";
import { listStacks } from "../../tools/stackFiles";

/** What the program needs to run: everything but the tools, the tests and the dependencies. */
const PROGRAM_FILES = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "components", "policy"];
const OWNER = "globex-platform";
/** The test's own stacks in the copy: the example dev and prod (fixtures), and what is made from them. */
const FIXTURES = ["dev", "prod"] as const;
const TEST_STACK: Record<(typeof FIXTURES)[number], string> = { dev: "zz-keyless-test-dev", prod: "zz-keyless-test-prod" };
const TEST_DEV = TEST_STACK.dev;
const TEST_PROD = TEST_STACK.prod;
const HAND_COPIED = "zz-keyless-test-hand-copied";
const MADE = "zz-keyless-test-new-stack";

describe("a clone adopted by another organisation", function () {
    const userStacks = listStacks(ROOT);
    let dir: string;
    let pack: AnalyzerClient;
    let planOf: (stack: string, policyConfig: string) => Promise<PlanOutcome>;

    before(async function () {
        const packStarting = sharedPack();
        dir = copyProject("keyless-other-org-", [...PROGRAM_FILES, ...userStacks.map((stack) => `Pulumi.${stack}.yaml`)]);
        // newStack checks the copy's own pack configuration: the one the tests own. The user's
        // stacks are still judged with the user's (passed explicitly below).
        fs.copyFileSync(FIXTURE_PACK_CONFIG, path.join(dir, ORGANIZATION_PACK_CONFIG));
        const random = seededRandom(7);
        // Accounts no stack file uses yet.
        const taken = [...userStacks.map((stack) => path.join(dir, `Pulumi.${stack}.yaml`)), ...FIXTURES.map((stack) => path.join(FIXTURE_STACKS, `Pulumi.${stack}.yaml`))]
            .map((file) => fs.readFileSync(file, "utf8"))
            .join("\n");
        let next = 987_654_320_000;
        const freshAccount = (): string => {
            while (taken.includes(String(++next)));
            return String(next);
        };
        for (const stack of userStacks) {
            rewriteYaml(path.join(dir, `Pulumi.${stack}.yaml`), (doc) => adoptStackFile(doc, { owner: OWNER, accountId: freshAccount(), random }));
        }
        for (const [index, fixture] of FIXTURES.entries()) {
            handCopyStack(dir, path.join(FIXTURE_STACKS, `Pulumi.${fixture}.yaml`), { stack: TEST_STACK[fixture], environment: fixture, owner: OWNER, accountId: freshAccount(), seed: 7 + index });
        }
        pack = await packStarting;
        planOf = (stack, policyConfig) => plan({ stack, programDir: dir, format: "text", policyConfig, pack });
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("holds none of the previous owner, accounts or repository IDs", () => {
        const configOf = (file: string) => (parseDocument(fs.readFileSync(file, "utf8")).toJS() as { config: Record<string, unknown> }).config;
        const copies: [string, string][] = [
            ...userStacks.map((stack): [string, string] => [path.join(ROOT, `Pulumi.${stack}.yaml`), stack]),
            ...FIXTURES.map((fixture): [string, string] => [path.join(FIXTURE_STACKS, `Pulumi.${fixture}.yaml`), TEST_STACK[fixture]]),
        ];
        for (const [source, stack] of copies) {
            const before = configOf(source);
            const copied = configOf(path.join(dir, `Pulumi.${stack}.yaml`));
            const after = JSON.stringify(copied);
            assert.equal(copied["github:owner"], OWNER);
            assert.ok(!after.includes(String(before["keyless:accountId"])), `${stack} still names its old account`);
            const ids = (before["keyless:repositories"] as { ownerId?: number; repositoryId?: number }[]).flatMap((entry) => [entry.ownerId, entry.repositoryId]);
            for (const id of ids.filter((value) => value !== undefined)) assert.ok(!after.includes(`:${id},`) && !after.includes(`:${id}}`), `${stack} still holds the ID ${id}`);
        }
    });

    it("plans every stack of the project with the organisation's pack configuration: the program runs, the pack passes it", async () => {
        for (const stack of userStacks) {
            const outcome = await planOf(stack, path.join(ROOT, ORGANIZATION_PACK_CONFIG));
            assert.equal(outcome.exitCode, 0, outcome.output);
            assert.match(outcome.output, new RegExp(`${OWNER}/service-1 ->`));
        }
    });

    it("plans a staging stack copied from dev by hand, with its own environment, account and repositories", async () => {
        handCopyStack(dir, path.join(dir, `Pulumi.${TEST_DEV}.yaml`), { stack: HAND_COPIED, environment: "staging", owner: OWNER, accountId: "333333333333", seed: 11 });
        const outcome = await planOf(HAND_COPIED, FIXTURE_PACK_CONFIG);
        assert.equal(outcome.exitCode, 0, outcome.output);
        assert.match(outcome.output, /environment:staging/);
        assert.match(outcome.output, /arn:aws:iam::333333333333:role\//);
    });

    it("plans a staging stack made with npm run new-stack, once its secrets are set", async () => {
        const made = newStack(dir, { stack: MADE, from: TEST_DEV, accountId: "555555555555", environment: "staging" });
        assert.deepEqual(made.problems, []);
        // What `pulumi config set --secret <key>` adds, in the new stack's own ciphertext.
        const secrets = made.derived.droppedSecrets.map((key) => `  ${key}:\n    secure: ${crypto.randomBytes(51).toString("base64")}\n`).join("");
        fs.appendFileSync(made.file, secrets);
        const outcome = await planOf(MADE, FIXTURE_PACK_CONFIG);
        assert.equal(outcome.exitCode, 0, outcome.output);
        assert.match(outcome.output, /environment:staging/);
    });

    it("refuses prod with its reviewers removed, with a message about reviewers", async () => {
        rewriteYaml(path.join(dir, `Pulumi.${TEST_PROD}.yaml`), (doc) => {
            for (const key of ["keyless:reviewerTeams", "keyless:reviewerUsers"]) doc.deleteIn(["config", key]);
            doc.setIn(["config", "keyless:requireReviewers"], false);
            const repositories = doc.getIn(["config", "keyless:repositories"]);
            if (isSeq(repositories)) for (const entry of repositories.items) if (isMap(entry)) entry.delete("reviewers");
        });
        const outcome = await planOf(TEST_PROD, FIXTURE_PACK_CONFIG);
        assert.equal(outcome.exitCode, 1, outcome.output);
        assert.match(outcome.output, /the program refused this stack's config/);
        assert.match(outcome.output, /environment "prod" of service-\d+ has no reviewers/);
    });
});
