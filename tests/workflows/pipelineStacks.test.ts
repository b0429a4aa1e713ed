// The pipeline's stack list (tools/pipelineStacks.ts) on sets of stack files made from the
// fixtures: one stack, three, names none of the examples use, none at all.

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    commentCollisions,
    defaultDeployOrder,
    githubOutput,
    pipelineStacks,
    PipelineStacksError,
    readStackFiles,
} from "../../tools/pipelineStacks";

const FIXTURES = path.resolve(__dirname, "..", "fixtures", "stacks");
const REPOSITORY = "acme/keyless";

/**
 * The fixture dev stack admits release/* besides main; keyless's own entry there is narrowed to
 * main, as the deploy environment of this repository must be (see the refusal below).
 */
const keylessMainOnly = (text: string) => text.replace("        keyless: {}\n", "        keyless: {}\n      deploymentBranches:\n        - main\n");

/** A project directory holding the fixture files under new names, each edited by `edit`. */
function project(files: Record<string, { from: "dev" | "prod"; edit?: (text: string) => string; raw?: boolean }>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-pipeline-stacks-"));
    for (const [stack, { from, edit, raw }] of Object.entries(files)) {
        const fixture = fs.readFileSync(path.join(FIXTURES, `Pulumi.${from}.yaml`), "utf8");
        const text = from === "dev" && raw !== true ? keylessMainOnly(fixture) : fixture;
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), (edit ?? ((t) => t))(text));
    }
    return dir;
}

const environment = (name: string) => (text: string) => text.replace(/^( {2}keyless:environment:).*$/m, `$1 ${name}`);
const withOrder = (order: string) => (text: string) => text.replace(/^config:\n/m, `config:\n  keyless:deployOrder: ${order}\n`);

function stacksOf(dir: string, repository = REPOSITORY) {
    return pipelineStacks(readStackFiles(dir), repository);
}

function problemsOf(run: () => unknown): readonly string[] {
    try {
        run();
    } catch (error) {
        if (error instanceof PipelineStacksError) return error.problems;
        throw error;
    }
    assert.fail("expected a PipelineStacksError");
}

describe("pipeline stacks (tools/pipelineStacks.ts)", () => {
    it("orders by the stack name when keyless:deployOrder is not set", () => {
        const cases: [string, number][] = [
            ["dev", 10], ["development", 10], ["sandbox", 10], ["test", 10], ["ci", 10], ["dev-eu", 10], ["Dev", 10],
            ["devops", 20], ["staging", 20], ["stage", 20], ["qa", 20], ["uat-2", 20], ["preprod", 20],
            ["prod", 30], ["production", 30], ["live", 30], ["prod-eu", 30], ["liveness", 20], ["products", 20], ["eu-west", 20],
        ];
        for (const [stack, order] of cases) assert.equal(defaultDeployOrder(stack), order, stack);
    });

    it("one stack: its environment and variables, nothing before it", () => {
        const [only, ...rest] = stacksOf(project({ prod: { from: "prod" } }));
        assert.equal(rest.length, 0);
        assert.deepEqual(only, {
            stack: "prod",
            environment: "prod",
            order: 30,
            previewPrefix: "AWS_PREVIEW_PROD",
            driftPrefix: "AWS_DRIFT_PROD",
            repositories: "invoice-worker,keyless,orders-api,storefront",
            after: "",
        });
    });

    it("three stacks: dev, then a hand-copied staging, then prod, each naming the ones before it", () => {
        const dir = project({
            prod: { from: "prod" },
            staging: { from: "dev", edit: (t) => environment("staging")(t).replace(/AWS_DRIFT_DEV/g, "AWS_DRIFT_STAGING") },
            dev: { from: "dev" },
        });
        const stacks = stacksOf(dir);
        assert.deepEqual(stacks.map((s) => [s.stack, s.environment, s.order, s.after]), [
            ["dev", "dev", 10, ""],
            ["staging", "staging", 20, "dev"],
            ["prod", "prod", 30, "dev staging"],
        ]);
        // The preview prefix defaults from the stack's own name, as the program publishes it.
        assert.equal(stacks[1].previewPrefix, "AWS_PREVIEW_STAGING");
        assert.equal(stacks[1].driftPrefix, "AWS_DRIFT_STAGING");
    });

    it("names none of the examples use: keyless:deployOrder first, then the default, ties by name", () => {
        const dir = project({
            "eu-west": { from: "prod", edit: environment("eu-west") },
            "ap-south": { from: "prod", edit: environment("ap-south") },
            canary: { from: "dev", edit: (t) => withOrder("5")(environment("canary")(t)) },
            "us-east": { from: "prod", edit: (t) => withOrder('"40"')(environment("us-east")(t)) },
        });
        assert.deepEqual(stacksOf(dir).map((s) => [s.stack, s.order]), [["canary", 5], ["ap-south", 20], ["eu-west", 20], ["us-east", 40]]);
    });

    it("zero stacks: an empty list, and a count of 0 for the workflows to skip their matrices", () => {
        const stacks = stacksOf(project({}));
        assert.deepEqual(stacks, []);
        assert.equal(githubOutput(stacks), 'count=0\nmatrix={"include":[]}\n');
    });

    it("prints the matrix the workflows read with fromJSON", () => {
        const output = githubOutput(stacksOf(project({ prod: { from: "prod" }, dev: { from: "dev" } })));
        const lines = Object.fromEntries(output.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
        assert.equal(lines.count, "2");
        const matrix = JSON.parse(lines.matrix) as { include: { stack: string }[] };
        assert.deepEqual(matrix.include.map((entry) => entry.stack), ["dev", "prod"]);
    });

    it("the CLI the workflows run prints the GitHub output, and exits 1 naming the problem", () => {
        const run = (dir: string) =>
            spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", path.resolve(__dirname, "../../tools/pipelineStacks.ts"), "--repository", REPOSITORY, "--project-dir", dir, "--format", "github-output"], {
                encoding: "utf8",
                cwd: path.resolve(__dirname, "../.."),
            });
        const ok = run(project({ dev: { from: "dev" } }));
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /^count=1\nmatrix=\{"include":\[\{"stack":"dev",/);
        const bad = run(project({ dev: { from: "dev", raw: true } }));
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /^error: Pulumi\.dev\.yaml: environment dev of acme\/keyless admits/m);
        assert.equal(bad.stdout, "");
    });

    it("reads the entries of the repository whose workflows run, compared without case", () => {
        assert.equal(stacksOf(project({ dev: { from: "dev" } }), "ACME/Keyless")[0].previewPrefix, "AWS_PREVIEW_DEV");
        // A stack without a preview or drift entry for it still deploys; its preview job says what is missing.
        const bare = stacksOf(project({ dev: { from: "dev", edit: (t) => t.replace("      pullRequest: true\n", "      tag: v*\n").replace("      branch: main\n", "      tag: w*\n") } }));
        assert.deepEqual([bare[0].previewPrefix, bare[0].driftPrefix], ["", ""]);
        // Another repository's workflows have no deploy entry in these stacks.
        const problems = problemsOf(() => stacksOf(project({ dev: { from: "dev" } }), "acme/other"));
        assert.match(problems.join("\n"), /no entry for acme\/other in environment dev/);
    });

    it("refuses what the pipeline cannot run, naming the file and the key", () => {
        const problems = problemsOf(() =>
            stacksOf(
                project({
                    a: { from: "dev", edit: (t) => t.replace(/^ {2}keyless:environment:.*\n/m, "") },
                    b: { from: "dev", edit: (t) => withOrder("first")(environment("b")(t)) },
                    c: { from: "prod", edit: environment("shared") },
                    d: { from: "prod", edit: environment("shared") },
                }),
            ),
        );
        assert.ok(problems.some((p) => p.startsWith("Pulumi.a.yaml: keyless:environment is missing")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("Pulumi.b.yaml: keyless:deployOrder must be an integer")), problems.join("\n"));
        assert.ok(problems.some((p) => p.includes("c, d all deploy from GitHub environment shared")), problems.join("\n"));
    });

    it("refuses a deploy environment that admits more than main (its secrets hold the deploy App's key)", () => {
        const admits = (from: "dev" | "prod", edit: (t: string) => string, raw = false) =>
            problemsOf(() => stacksOf(project({ s: { from, edit, raw } }))).join("\n");
        assert.match(admits("dev", (t) => t, true), /environment dev of acme\/keyless admits branch main, branch release\/\*/);
        assert.match(
            admits("prod", (t) => t.replace("        keyless: {}\n", "        keyless: {}\n      deploymentTags:\n        - v*\n")),
            /admits branch main, tag v\*/,
        );
        assert.match(admits("prod", (t) => t.replace("        keyless: {}\n", "        keyless: {}\n      protectedBranchesOnly: true\n")), /every protected branch/);
        // The deploy role's entry for another environment leaves this one unmanaged.
        assert.match(
            admits("prod", (t) => t.replace("        keyless: {}\n", "        keyless: {}\n      environment: elsewhere\n")),
            /no entry for acme\/keyless in environment prod/,
        );
    });

    it("refuses a stack name that is a prefix of another (one pull request comment for both)", () => {
        assert.deepEqual(commentCollisions(["dev", "dev-eu", "prod"]), [["dev", "dev-eu"]]);
        assert.deepEqual(commentCollisions(["dev", "prod", "staging"]), []);
        const problems = problemsOf(() => stacksOf(project({ dev: { from: "dev" }, "dev-eu": { from: "dev", edit: environment("dev-eu") } })));
        assert.ok(problems.some((p) => p.startsWith("stack dev is a prefix of stack dev-eu")), problems.join("\n"));
    });
});
