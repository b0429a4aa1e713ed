// What GitHub holds after someone edits a protected environment by hand: every preview names each
// change, the drift check (`pulumi preview --refresh --expect-no-changes`) sees a change, and
// `pulumi up --refresh` puts the environment back, all against the offline GitHub's model of the
// organisation and of the GitHub provider (tools/offlineGithub.ts: deployOffline), blind spots
// included. Also: protectedBranchesOnly without a protected branch, and a run GitHub's API budget
// cannot cover, are refused before anything is registered.

import * as assert from "node:assert/strict";
import { ENVIRONMENT_GUARD_TYPE, guardHasChanges, guardRequests } from "../../components/environmentGuard";
import { environmentUpdateBody, protectionDifferences, wantedProtection } from "../../components/realServices/github";
import { deployOffline, editByHand, ENVIRONMENT_TYPE, GithubWorld, OfflineStateResource } from "../../tools/offlineGithub";
import { ENTERPRISE_PRIVATE, PROD_LIKE } from "../fixtures/github/northwind";
import { runConfig, StackRun } from "../helpers/runStack";
import { loadStackConfig } from "../../components/config";
import { githubCallsNeeded } from "../../components/githubFacts";

/** The config a test-owned stack resolves to, as the program reads it (objects as JSON text). */
const loadFixtureConfig = (config: Record<string, unknown>) =>
    loadStackConfig({
        stack: "fixture",
        values: Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
        secretKeys: new Set(),
    });

const drifted = (run: StackRun) => run.run.warnings.filter((warning) => /differs on GitHub from this config/.test(warning));
const changed = <T extends { op: string }>(steps: T[]) => steps.filter((step) => step.op !== "same");
const webShop = (world: GithubWorld) => world.environments?.find((environment) => environment.repository === "web-shop" && environment.name === "production");
const restEndpoints = (run: StackRun) => run.run.invokes.filter((invoke) => invoke.token === "github:index/getRestApi:getRestApi").map((invoke) => String(invoke.args.endpoint));

/** The northwind prod-like stack deployed once to an organisation that had no environments. */
async function deployedOnce(): Promise<{ world: GithubWorld; state: OfflineStateResource[] }> {
    const first = (await runConfig(PROD_LIKE, { github: ENTERPRISE_PRIVATE })).assertSucceeded();
    // A missing environment (404) is a first deploy, not drift.
    assert.deepEqual(drifted(first), []);
    const up = deployOffline(ENTERPRISE_PRIVATE, [], first.run.resources, { apply: true });
    return { world: up.world, state: up.state };
}

describe("environments edited by hand on GitHub", () => {
    let deployed: { world: GithubWorld; state: OfflineStateResource[] };
    before(async () => {
        deployed = await deployedOnce();
    });

    it("a first deploy creates each environment as configured, and the next preview finds nothing to change", async () => {
        assert.deepEqual(webShop(deployed.world), {
            repository: "web-shop",
            name: "production",
            reviewers: { teams: [5200], users: [5300], preventSelfReview: true },
            canAdminsBypass: false,
            waitTimer: 15,
            branchPolicy: "custom",
            policies: [{ id: webShop(deployed.world)?.policies[0]?.id, name: "main", type: "branch" }],
        });
        const again = (await runConfig(PROD_LIKE, { github: deployed.world })).assertSucceeded();
        assert.deepEqual(drifted(again), []);
        assert.deepEqual(changed(deployOffline(deployed.world, deployed.state, again.run.resources, { apply: false }).steps), []);
    });

    it("reviewers removed: the provider's refresh keeps them and finds no diff, yet the preview names it, shows a change, and up restores them", async () => {
        const edited = editByHand(deployed.world, "web-shop", "production", { kind: "removeReviewers" });
        const preview = (await runConfig(PROD_LIKE, { github: edited })).assertSucceeded();
        assert.deepEqual(drifted(preview), [
            'keyless:repositories[1]: environment "production" of northwind/web-shop differs on GitHub from this config: required reviewers ' +
                "removed: GitHub has none, the config names team release-approvers, user lead-dev; `pulumi up` sets it back to the config",
        ]);
        const steps = deployOffline(edited, deployed.state, preview.run.resources, { apply: false }).steps;
        // The blind spot, as the provider has it: the environment itself shows no change.
        assert.equal(steps.find((step) => step.type === ENVIRONMENT_TYPE && step.urn.includes("web-shop"))?.op, "same");
        assert.deepEqual(
            changed(steps).map((step) => step.type),
            [ENVIRONMENT_GUARD_TYPE],
            "the drift check fails on the guard's change",
        );
        const up = deployOffline(edited, deployed.state, preview.run.resources, { apply: true });
        assert.deepEqual(webShop(up.world), webShop(deployed.world));
    });

    it("reviewers removed, a `*` branch pattern added, admin bypass on and the wait timer changed: each named, and up puts all back", async () => {
        const edited = editByHand(
            deployed.world,
            "web-shop",
            "production",
            { kind: "removeReviewers" },
            { kind: "addPattern", pattern: "*" },
            { kind: "adminBypass", on: true },
            { kind: "waitTimer", minutes: 0 },
        );
        const preview = (await runConfig(PROD_LIKE, { github: edited })).assertSucceeded();
        const warnings = drifted(preview);
        for (const change of [
            /required reviewers removed: GitHub has none, the config names team release-approvers, user lead-dev/,
            /admin bypass: on on GitHub, off in the config \(administrators can deploy without any of these rules\)/,
            /wait timer: 0 minutes on GitHub, 15 in the config/,
            /branch pattern "\*" on GitHub is not in the config: every branch it matches may deploy/,
        ]) {
            assert.equal(warnings.filter((warning) => change.test(warning) && /environment "production" of northwind\/web-shop/.test(warning)).length, 1, `${String(change)} in\n${warnings.join("\n")}`);
        }
        assert.equal(warnings.length, 4, warnings.join("\n"));
        assert.ok(changed(deployOffline(edited, deployed.state, preview.run.resources, { apply: false }).steps).length > 0);

        const up = deployOffline(edited, deployed.state, preview.run.resources, { apply: true });
        assert.deepEqual(webShop(up.world), webShop(deployed.world), "the `*` pattern deleted, reviewers, timer and bypass as configured");
        const after = (await runConfig(PROD_LIKE, { github: up.world })).assertSucceeded();
        assert.deepEqual(drifted(after), []);
        assert.deepEqual(changed(deployOffline(up.world, up.state, after.run.resources, { apply: false }).steps), [], "the next drift check passes");
    });

    it("the branch policy switched to every branch: named, and up switches it back with the configured pattern in place", async () => {
        const edited = editByHand(deployed.world, "billing-api", "production", { kind: "branchPolicy", policy: "all" });
        const preview = (await runConfig(PROD_LIKE, { github: edited })).assertSucceeded();
        assert.match(
            drifted(preview).join("\n"),
            /environment "production" of northwind\/billing-api differs on GitHub from this config: deployment branches: every branch and tag may deploy \(no deployment branch policy\) on GitHub, only the named branch and tag patterns in the config/,
        );
        const up = deployOffline(edited, deployed.state, preview.run.resources, { apply: true });
        const billing = (world: GithubWorld) => world.environments?.find((environment) => environment.repository === "billing-api");
        assert.deepEqual(billing(up.world), billing(deployed.world));
    });

    it("a configured pattern renamed to `*` by hand: its own resource renames it back, and the guard does not delete it", async () => {
        const edited = editByHand(deployed.world, "web-shop", "production", { kind: "renamePattern", from: "main", to: "*" });
        const preview = (await runConfig(PROD_LIKE, { github: edited })).assertSucceeded();
        assert.match(drifted(preview).join("\n"), /branch pattern "\*" on GitHub is not in the config/);
        assert.match(drifted(preview).join("\n"), /branch pattern "main" of the config is missing on GitHub/);
        const up = deployOffline(edited, deployed.state, preview.run.resources, { apply: true });
        assert.deepEqual(webShop(up.world), webShop(deployed.world), "the same policy (same ID), named main again");
    });

    it("patterns added by hand while the branch policy was switched to every branch are found and deleted when it is switched back", async () => {
        const edited = editByHand(deployed.world, "web-shop", "production", { kind: "addPattern", pattern: "*" }, { kind: "branchPolicy", policy: "all" });
        const preview = (await runConfig(PROD_LIKE, { github: edited })).assertSucceeded();
        assert.match(drifted(preview).join("\n"), /branch pattern "\*" on GitHub is not in the config/);
        const up = deployOffline(edited, deployed.state, preview.run.resources, { apply: true });
        assert.deepEqual(webShop(up.world), webShop(deployed.world));
    });

    it("when the token cannot read an environment, says that changes made by hand go unseen and what the token lacks, and goes on", async () => {
        const refusals = { "repos/northwind/web-shop/environments/production": { status: 403, message: "Resource not accessible by integration" } };
        const run = (await runConfig(PROD_LIKE, { github: { ...deployed.world, refusals } })).assertSucceeded();
        assert.match(
            run.run.warnings.join("\n"),
            /could not read the live protection of environment "production" of northwind\/web-shop, so changes made on GitHub by hand go unseen: .*lacks Actions: read on northwind\/web-shop/,
        );
    });

    it("reads every page of deployment policies (100 a page) and asks each question once", async () => {
        const many = editByHand(
            deployed.world,
            "web-shop",
            "production",
            ...Array.from({ length: 150 }, (_, index) => ({ kind: "addPattern" as const, pattern: `hand/${index}` })),
        );
        const preview = (await runConfig(PROD_LIKE, { github: many })).assertSucceeded();
        assert.match(drifted(preview).join("\n"), /branch pattern "hand\/149" on GitHub is not in the config/);
        const endpoints = restEndpoints(preview);
        assert.ok(endpoints.includes("repos/northwind/web-shop/environments/production/deployment-branch-policies?per_page=100&page=2"), endpoints.join("\n"));
        assert.ok(!endpoints.some((endpoint) => endpoint.endsWith("page=3")));
        assert.equal(new Set(endpoints).size, endpoints.length, `asked twice: ${endpoints.join("\n")}`);
        const up = deployOffline(many, deployed.state, preview.run.resources, { apply: true });
        assert.deepEqual(webShop(up.world), webShop(deployed.world));
    });
});

describe("protectedBranchesOnly and GitHub's branch protection", () => {
    const protectedOnly = { ...PROD_LIKE, "keyless:protectedBranchesOnly": "true", "keyless:deploymentBranches": [] };

    it("refuses the stack when the repository protects no branch (GitHub then lets every branch deploy), naming the key and the fix", async () => {
        const unprotected: GithubWorld = { ...ENTERPRISE_PRIVATE, repositories: ENTERPRISE_PRIVATE.repositories.map((repository) => ({ ...repository, protectedBranches: [] })) };
        const run = await runConfig(protectedOnly, { github: unprotected });
        assert.match(run.run.error ?? "", /keyless stopped before creating anything/);
        assert.match(run.run.error ?? "", /protectedBranchesOnly is true for environment "production" of northwind\/web-shop, but no branch of northwind\/web-shop is protected/);
        assert.match(run.run.error ?? "", /Protect the branches that deploy \(a branch protection rule or a ruleset on main\), or set protectedBranchesOnly: false/);
        assert.deepEqual(run.customResources, []);
    });

    it("accepts it when a branch is protected (by a rule or a ruleset)", async () => {
        (await runConfig(protectedOnly, { github: ENTERPRISE_PRIVATE })).assertSucceeded();
    });
});

describe("GitHub's API budget", () => {
    it("refuses a run the remaining core budget cannot cover, naming the reset time and the calls it needs, before registering anything", async () => {
        const reset = Date.UTC(2026, 11, 4, 19, 30) / 1000;
        const run = await runConfig(PROD_LIKE, { github: { ...ENTERPRISE_PRIVATE, rateLimit: { limit: 5000, remaining: 12, reset } } });
        assert.match(run.run.error ?? "", /GitHub's API budget is too low for this run: 12 of 5000 core requests remain until 2026-12-04T19:30:00Z/);
        assert.match(run.run.error ?? "", /this stack needs at least \d+ .*up to \d+ when every resource changes/);
        assert.match(run.run.error ?? "", /would not fail but wait for the reset, holding the stack's lock/);
        assert.deepEqual(run.customResources, []);
        // Nothing else was asked: rate_limit costs nothing, the rest would have.
        assert.deepEqual(restEndpoints(run), ["rate_limit"]);
    });

    it("warns, without refusing, when only the writes of a first deploy may not fit", async () => {
        const { certain, atMost } = githubCallsNeeded(loadFixtureConfig(PROD_LIKE));
        assert.ok(certain < atMost);
        const run = (await runConfig(PROD_LIKE, { github: { ...ENTERPRISE_PRIVATE, rateLimit: { limit: 5000, remaining: certain, reset: 1_800_000_000 } } })).assertSucceeded();
        assert.equal(run.run.warnings.filter((warning) => /GitHub's API budget may run out during this run/.test(warning)).length, 1, run.run.warnings.join("\n"));
    });

    it("warns, without refusing, a stack that needs more than a whole hour's budget: the provider waits across resets", async () => {
        const { certain } = githubCallsNeeded(loadFixtureConfig(PROD_LIKE));
        const run = (await runConfig(PROD_LIKE, { github: { ...ENTERPRISE_PRIVATE, rateLimit: { limit: certain - 1, remaining: 0, reset: 1_800_000_000 } } })).assertSucceeded();
        assert.match(run.run.warnings.join("\n"), /needs more than a whole hour's budget: split it into several stacks/);
    });
});

describe("the live protection, compared (plain data)", () => {
    const wanted = wantedProtection({ teams: [1], users: [], preventSelfReview: true, waitTimer: 0, refs: { branches: ["main"], tags: ["v*"] } });
    const live = (changes: Partial<Parameters<typeof protectionDifferences>[1] & { kind: "present" }> = {}) => ({
        kind: "present" as const,
        environment: { teams: [1], users: [], preventSelfReview: true, canAdminsBypass: false, waitTimer: 0, branchPolicy: "custom" as const, reviewerNames: {} },
        policies: [
            { id: 1, name: "main", type: "branch" as const },
            { id: 2, name: "v*", type: "tag" as const },
        ],
        ...changes,
    });

    it("finds nothing when GitHub holds the config, and nothing for a missing environment", () => {
        assert.deepEqual(protectionDifferences(wanted, live()), { changes: [], extraPolicies: [] });
        assert.deepEqual(protectionDifferences(wanted, { kind: "missing" }), { changes: [], extraPolicies: [] });
    });

    it("tells a tag pattern from a branch pattern of the same name, and names missing ones", () => {
        const result = protectionDifferences(wanted, live({ policies: [{ id: 3, name: "main", type: "tag" }] }));
        assert.deepEqual(result.extraPolicies, [{ id: 3, name: "main", type: "tag" }]);
        assert.deepEqual(result.changes, [
            'tag pattern "main" on GitHub is not in the config: every tag it matches may deploy',
            'branch pattern "main" of the config is missing on GitHub',
            'tag pattern "v*" of the config is missing on GitHub',
        ]);
    });

    it("puts the whole protection in the PUT, as the provider and go-github send it: no reviewers is null, no timer is 0", () => {
        assert.deepEqual(environmentUpdateBody({ ...wanted, teams: [], preventSelfReview: false }), {
            wait_timer: 0,
            reviewers: null,
            can_admins_bypass: false,
            deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
            prevent_self_review: false,
        });
    });

    it("the guard sends nothing while GitHub matches, else the PUT and a DELETE per extra policy that is not the stack's own", () => {
        const inputs = {
            apiUrl: "https://api.github.com/",
            owner: "acme",
            repository: "api",
            environment: "prod/eu",
            put: { wait_timer: 0 },
            removePolicies: [
                { id: 7, name: "*", type: "branch" as const },
                { id: 8, name: "main", type: "branch" as const },
            ],
            keepPolicyIds: [8],
            differences: ['branch pattern "*" on GitHub is not in the config'],
        };
        assert.equal(guardHasChanges(inputs), true);
        assert.deepEqual(guardRequests(inputs), [
            { method: "PUT", path: "repos/acme/api/environments/prod%2Feu", body: { wait_timer: 0 } },
            { method: "DELETE", path: "repos/acme/api/environments/prod%2Feu/deployment-branch-policies/7" },
        ]);
        assert.equal(guardHasChanges({ ...inputs, differences: [] }), false);
        assert.deepEqual(guardRequests({ ...inputs, differences: [] }), []);
    });
});
