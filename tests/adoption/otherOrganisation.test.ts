// The "done means", as a test: a copy of the project whose stack files hold another
// organisation's values (owner, accounts, repository names and IDs, and secrets under another
// provider) still runs and plans every stack; a staging stack copied from dev by hand, and one made
// with `npm run new-stack`, plan too; prod with its reviewers removed is refused, about reviewers.
// The replacement is generic: it reads whatever the stack files hold, not the example values.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, visit } from "yaml";
import { ORGANIZATION_PACK_CONFIG } from "../../components/protection";
import { AnalyzerClient } from "../../policy/harness/analyzerClient";
import { sharedPack } from "../helpers/sharedPack";
import { newStack } from "../../tools/newStack";
import { plan, PlanOutcome } from "../../tools/plan";
import { listStacks } from "../../tools/stackFiles";

const ROOT = path.resolve(__dirname, "../..");
/** What the program needs to run: everything but the tools, the tests and the dependencies. */
const PROGRAM_FILES = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "components", "policy"];
const OWNER = "globex-platform";

/** Copies the program and its stack files; node_modules is linked, not copied. */
function copyProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-other-org-"));
    for (const entry of [...PROGRAM_FILES, ...listStacks(ROOT).map((stack) => `Pulumi.${stack}.yaml`)]) {
        fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), {
            recursive: true,
            filter: (source) => !/[/\\](node_modules|bin)$/.test(source),
        });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

const scalarText = (node: unknown): string | undefined => (isScalar(node) && node.value !== null ? String(node.value) : undefined);

/** Rewrites a stack file as another organisation would hold it. */
function adopt(doc: Document, accountId: string, random: () => number): void {
    const config = doc.get("config");
    assert.ok(isMap(config));
    const oldOwner = scalarText(config.get("github:owner", true));
    const oldAccount = scalarText(config.get("keyless:accountId", true));
    const names = new Map<string, string>();
    const ids = new Map<string, number>();
    const newId = (old: string) => ids.get(old) ?? (ids.set(old, 100_000 + Math.floor(random() * 900_000_000)), ids.get(old)!);
    const repositories = config.get("keyless:repositories");
    assert.ok(isSeq(repositories));
    for (const entry of repositories.items) {
        if (!isMap(entry)) continue;
        const name = scalarText(entry.get("name", true));
        if (name !== undefined) entry.set("name", names.get(name) ?? (names.set(name, `service-${names.size + 1}`), names.get(name)!));
        for (const field of ["ownerId", "repositoryId"]) {
            const id = scalarText(entry.get(field, true));
            if (id !== undefined) entry.set(field, newId(id));
        }
    }
    // ARNs move to the new account; names mentioning the old owner change too; secrets become another
    // provider's opaque ciphertext (Pulumi Cloud's, say), which nothing offline can read.
    visit(config, {
        Pair(_, pair) {
            if (isScalar(pair.key) && pair.key.value === "secure" && isScalar(pair.value)) {
                pair.value.value = crypto.randomBytes(51).toString("base64");
                return visit.SKIP;
            }
            return undefined;
        },
        Scalar(key, node) {
            if (key === "key" || typeof node.value !== "string") return;
            let value = node.value;
            if (oldAccount) value = value.replaceAll(oldAccount, accountId);
            if (oldOwner && oldOwner !== OWNER) value = value.replace(new RegExp(`(?<![A-Za-z0-9])${oldOwner}(?![A-Za-z0-9])`, "g"), OWNER);
            node.value = value;
        },
    });
    config.set("github:owner", OWNER);
    config.set("keyless:accountId", Object.assign(new Scalar(accountId), { type: Scalar.QUOTE_DOUBLE }));
    for (const key of ["secretsprovider", "encryptionsalt", "encryptedkey"]) doc.delete(key);
}

function rewrite(file: string, change: (doc: Document) => void): void {
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    change(doc);
    fs.writeFileSync(file, doc.toString());
}

describe("a clone adopted by another organisation", function () {
    let dir: string;
    let pack: AnalyzerClient;
    let planOf: (stack: string) => Promise<PlanOutcome>;

    before(async function () {
        const packStarting = sharedPack();
        dir = copyProject();
        // Deterministic "random" IDs, so a failure can be reproduced.
        let seed = 7;
        const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
        // Accounts no stack file uses yet.
        const taken = listStacks(dir).map((stack) => fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")).join("\n");
        let next = 987_654_320_000;
        const freshAccount = (): string => {
            while (taken.includes(String(++next)));
            return String(next);
        };
        listStacks(dir).forEach((stack) => rewrite(path.join(dir, `Pulumi.${stack}.yaml`), (doc) => adopt(doc, freshAccount(), random)));
        pack = await packStarting;
        planOf = (stack) => plan({ stack, programDir: dir, format: "text", policyConfig: path.join(dir, ORGANIZATION_PACK_CONFIG), pack });
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("holds none of the previous owner, accounts or repository IDs", () => {
        const configOf = (dirName: string, stack: string) =>
            (parseDocument(fs.readFileSync(path.join(dirName, `Pulumi.${stack}.yaml`), "utf8")).toJS() as { config: Record<string, unknown> }).config;
        for (const stack of listStacks(ROOT)) {
            const before = configOf(ROOT, stack);
            const after = JSON.stringify(configOf(dir, stack));
            assert.equal(configOf(dir, stack)["github:owner"], OWNER);
            assert.ok(!after.includes(String(before["keyless:accountId"])), `${stack} still names its old account`);
            const ids = (before["keyless:repositories"] as { ownerId?: number; repositoryId?: number }[]).flatMap((entry) => [entry.ownerId, entry.repositoryId]);
            for (const id of ids.filter((value) => value !== undefined)) assert.ok(!after.includes(`:${id},`) && !after.includes(`:${id}}`), `${stack} still holds the ID ${id}`);
        }
    });

    it("plans every stack: the program runs, the pack passes it", async () => {
        for (const stack of listStacks(dir)) {
            const outcome = await planOf(stack);
            assert.equal(outcome.exitCode, 0, outcome.output);
            assert.match(outcome.output, new RegExp(`${OWNER}/service-1 ->`));
        }
    });

    it("plans a staging stack copied from dev by hand, with its own environment, account and repositories", async () => {
        const staging = path.join(dir, "Pulumi.sandbox.yaml");
        fs.copyFileSync(path.join(dir, "Pulumi.dev.yaml"), staging);
        rewrite(staging, (doc) => {
            const config = doc.get("config");
            assert.ok(isMap(config));
            config.set("keyless:environment", "staging");
            let seed = 11;
            adopt(doc, "333333333333", () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646);
        });
        const outcome = await planOf("sandbox");
        assert.equal(outcome.exitCode, 0, outcome.output);
        assert.match(outcome.output, /environment:staging/);
        assert.match(outcome.output, /arn:aws:iam::333333333333:role\//);
    });

    it("plans a staging stack made with npm run new-stack, once its secrets are set", async () => {
        const made = newStack(dir, { stack: "staging", from: "dev", accountId: "555555555555" });
        assert.deepEqual(made.problems, []);
        // What `pulumi config set --secret <key>` adds, in the new stack's own ciphertext.
        const secrets = made.derived.droppedSecrets.map((key) => `  ${key}:\n    secure: ${crypto.randomBytes(51).toString("base64")}\n`).join("");
        fs.appendFileSync(made.file, secrets);
        const outcome = await planOf("staging");
        assert.equal(outcome.exitCode, 0, outcome.output);
        assert.match(outcome.output, /environment:staging/);
    });

    it("refuses prod with its reviewers removed, with a message about reviewers", async () => {
        rewrite(path.join(dir, "Pulumi.prod.yaml"), (doc) => {
            for (const key of ["keyless:reviewerTeams", "keyless:reviewerUsers"]) doc.deleteIn(["config", key]);
            doc.setIn(["config", "keyless:requireReviewers"], false);
            const repositories = doc.getIn(["config", "keyless:repositories"]);
            if (isSeq(repositories)) for (const entry of repositories.items) if (isMap(entry)) entry.delete("reviewers");
        });
        const outcome = await planOf("prod");
        assert.equal(outcome.exitCode, 1, outcome.output);
        assert.match(outcome.output, /the program refused this stack's config/);
        assert.match(outcome.output, /environment "prod" of service-\d+ has no reviewers/);
    });
});
