// The stack-file schema and what is generated from it: the generated files are current (so a hand
// edit is caught), every stack file of the project names the JSON Schema and validates against it,
// and the JSON Schema refuses what the program refuses where a schema can say it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { KNOWN_KEYS, STACK_DEFAULTS, STRING_KEYS } from "../../components/config";
import { KEY_DECLARATIONS, STACK_SCHEMA_FILE } from "../../components/config/schema";
import { generatedFiles, pulumiYaml, REFERENCE_FILE, REFERENCE_MARKERS, staleFiles } from "../../tools/genConfig";
import { deriveStack } from "../../tools/newStack";

/** Every stack file of a keyless project in the repository (the project's own and the fixtures'). */
function keylessStackFiles(): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (/^Pulumi\.[^.]+(?:\.[^.]+)*\.ya?ml$/.test(entry.name) && !/^Pulumi\.ya?ml$/.test(entry.name)) {
                // tests/fixtures/stacks/ holds stack files of the project at the root.
                let projectDir = dir;
                while (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) projectDir = path.dirname(projectDir);
                const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: string };
                if (project.name === "keyless") found.push(full);
            }
        }
    };
    walk(".");
    return found.sort();
}

/** Stack files that are broken on purpose, for the program's own refusals. */
const BROKEN_ON_PURPOSE = new Set(["Pulumi.garbled.yaml", "Pulumi.mistakes.yaml", "Pulumi.malformed.yaml", "Pulumi.refused.yaml"]);

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(STACK_SCHEMA_FILE, "utf8")) as object);

const valid = {
    "aws:region": "eu-west-1",
    "github:owner": "acme",
    "keyless:accountId": "222222222222",
    "keyless:environment": "production",
    "keyless:reviewerTeams": ["approvers"],
    "keyless:repositories": [{ name: "billing", permissions: { lambda: { functions: ["billing"] } } }],
};
const withEntry = (fields: Record<string, unknown>) => ({
    ...valid,
    "keyless:repositories": [{ ...valid["keyless:repositories"][0], ...fields }],
});

function errorsOf(config: Record<string, unknown>): string[] {
    return validate({ config }) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

describe("stack-file schema", () => {
    describe("generated files", () => {
        it("are what `npm run gen:config` writes from components/config/schema.ts", () => {
            assert.deepEqual(staleFiles("."), [], "run `npm run gen:config` and commit the result");
        });

        it("catch a hand edit of any of them", () => {
            const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "keyless-gen-"));
            try {
                for (const { file, content } of generatedFiles(".")) {
                    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
                    fs.writeFileSync(path.join(dir, file), content);
                }
                assert.deepEqual(staleFiles(dir), []);
                for (const { file } of generatedFiles(".")) {
                    const target = path.join(dir, file);
                    const original = fs.readFileSync(target, "utf8");
                    // A default the generator writes, edited by hand (in the page, inside its markers).
                    const from = file === REFERENCE_FILE ? original.indexOf(REFERENCE_MARKERS.start) : 0;
                    fs.writeFileSync(target, original.slice(0, from) + original.slice(from).replace("3600", "7200"));
                    assert.deepEqual(staleFiles(dir), [file], file);
                    fs.writeFileSync(target, original);
                }
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("keeps Pulumi.yaml's project settings and replaces only its config block", () => {
            const written = pulumiYaml("name: keyless\nruntime: nodejs\nconfig:\n  old: {}\n");
            assert.match(written, /^name: keyless\nruntime: nodejs\n# Project-level config schema, generated/);
            assert.doesNotMatch(written, /old:/);
        });

        it("declares in Pulumi.yaml every key with a default, with that default, and the required keys without one", () => {
            const project = parse(fs.readFileSync("Pulumi.yaml", "utf8")) as { config: Record<string, { default?: unknown; type?: string }> };
            for (const [key, value] of Object.entries(STACK_DEFAULTS)) assert.deepEqual(project.config[key]?.default, value, key);
            for (const key of ["accountId", "environment", "repositories"]) assert.ok(project.config[key] && !("default" in project.config[key]), key);
            const stringKeys = Object.entries(project.config).filter(([, declaration]) => declaration.type === "string").map(([name]) => name);
            assert.deepEqual([...stringKeys].sort(), [...STRING_KEYS].sort());
            // An optional key without a default would make the CLI require it: it is known, not declared.
            assert.deepEqual(KNOWN_KEYS.filter((key) => !(key in project.config)), ["deployOrder"]);
            assert.ok(KEY_DECLARATIONS.every((declaration) => declaration.description.length > 0));
        });
    });

    describe("stack files", () => {
        const files = keylessStackFiles();

        it("finds the project's and the fixtures' stack files", () => {
            assert.ok(files.some((file) => file.startsWith("tests/fixtures/stacks/")), files.join("\n"));
        });

        for (const file of files) {
            it(`${file} names the schema in its first line`, () => {
                const relative = path.relative(path.dirname(file), STACK_SCHEMA_FILE).split(path.sep).join("/");
                const expected = `# yaml-language-server: $schema=${relative.startsWith(".") ? relative : `./${relative}`}`;
                assert.equal(fs.readFileSync(file, "utf8").split("\n")[0], expected);
            });
            if (BROKEN_ON_PURPOSE.has(path.basename(file))) continue;
            it(`${file} validates against it`, () => {
                const document = parse(fs.readFileSync(file, "utf8")) as unknown;
                assert.ok(validate(document), `${file}:\n${ajv.errorsText(validate.errors, { separator: "\n" })}`);
            });
        }

        it("are written by new-stack with the schema line first, and validate", () => {
            const derived = deriveStack(fs.readFileSync("tests/fixtures/stacks/Pulumi.dev.yaml", "utf8"), { stack: "qa", from: "dev", accountId: "444444444444" });
            assert.equal(derived.text.split("\n")[0], `# yaml-language-server: $schema=./${STACK_SCHEMA_FILE}`);
            assert.ok(validate(parse(derived.text)), ajv.errorsText(validate.errors));
        });

        it("refuses the stack file that is full of mistakes", () => {
            const document = parse(fs.readFileSync("tests/fixtures/keyless-stacks/Pulumi.mistakes.yaml", "utf8")) as unknown;
            assert.equal(validate(document), false);
        });
    });

    describe("refusals", () => {
        it("accepts a small valid config, a single string for a list, encrypted extra keys and other namespaces", () => {
            assert.deepEqual(errorsOf(valid), []);
            assert.deepEqual(errorsOf({ ...valid, "keyless:deploymentBranches": "main", "aws:profile": "ops", "keyless:apiDsn": { secure: "v1:abc" } }), []);
            assert.deepEqual(errorsOf({ ...valid, "keyless:deployOrder": 15 }), []);
        });

        const refused: [string, Record<string, unknown>][] = [
            ["a misspelled key", { ...valid, "keyless:permissionBoundaryArn": "arn:aws:iam::222222222222:policy/b" }],
            ["an 11-digit account ID", { ...valid, "keyless:accountId": "22222222222" }],
            ["an account ID with dashes", { ...valid, "keyless:accountId": "2222-2222-2222" }],
            ["a region without its dash", { ...valid, "aws:region": "us-east1" }],
            ["seven reviewers", { ...valid, "keyless:reviewerTeams": ["a", "b", "c", "d", "e", "f", "g"] }],
            ["seven reviewers on an entry", withEntry({ reviewers: { teams: ["a", "b", "c", "d", "e", "f", "g"] } })],
            ["a wait timer of 50,000", { ...valid, "keyless:waitTimer": 50000 }],
            ["an unknown key in a repository entry", withEntry({ waittimer: 5 })],
            ["a repository name with a space", withEntry({ name: "my api" })],
            ["an unknown preset", withEntry({ permissions: { lamda: { functions: ["f"] } } })],
            ["an environment name with a wildcard", withEntry({ environment: "prod*" })],
            ["a deploy order of 1000", { ...valid, "keyless:deployOrder": 1000 }],
            ["a missing github:owner", { ...valid, "github:owner": undefined }],
            ["a plaintext value of an extra keyless key", { ...valid, "keyless:apiDsn": "https://x" }],
        ];
        for (const [what, config] of refused) {
            it(`refuses ${what}`, () => {
                const defined = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
                assert.notDeepEqual(errorsOf(defined), [], JSON.stringify(defined));
            });
        }
    });
});
