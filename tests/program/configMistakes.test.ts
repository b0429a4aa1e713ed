// Config mistakes that used to pass silently, or were reported in a way that hid or leaked
// something. Every case runs on config the test owns.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { KeylessConfigError, looksLikeCredential } from "../../components/configReader";
import { KNOWN_KEYS, loadStackConfig, StackConfigSource } from "../../components/config";
import { isPulumiCiphertext, listStacks, readStackConfig, StackFileError } from "../../tools/stackFiles";

const FIXTURES = "tests/fixtures/keyless-stacks";
const lambdaRepository = { name: "billing", permissions: { lambda: { functions: ["billing"] } } };
const base: Record<string, unknown> = {
    "aws:region": "eu-west-1",
    "github:owner": "acme",
    "keyless:accountId": "333333333333",
    "keyless:environment": "staging",
    "keyless:requireReviewers": false,
    "keyless:repositories": [lambdaRepository],
};

function source(config: Record<string, unknown>, secretKeys: string[] = []): StackConfigSource {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (value !== undefined) values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { stack: "staging", values, secretKeys: new Set(secretKeys) };
}

/** The error loadStackConfig throws; fails the test if it accepts the config. */
function refusal(config: StackConfigSource): KeylessConfigError {
    try {
        loadStackConfig(config);
    } catch (error) {
        assert.ok(error instanceof KeylessConfigError, String(error));
        return error;
    }
    return assert.fail("the config was accepted");
}

function problemAt(config: StackConfigSource, key: string): string {
    const { problems } = refusal(config);
    const found = problems.find((problem) => problem.startsWith(`${key}: `));
    assert.ok(found, `expected a problem at ${key}, got:\n${problems.join("\n")}`);
    return found;
}

describe("config mistakes", () => {
    describe("unknown keys of the keyless namespace", () => {
        it("refuses a misspelled key and names the key that was meant", () => {
            const boundary = "arn:aws:iam::333333333333:policy/boundary";
            assert.match(
                problemAt(source({ ...base, "keyless:permissionBoundaryArn": boundary }), "keyless:permissionBoundaryArn"),
                /would be ignored; did you mean keyless:permissionsBoundaryArn\?/,
            );
            assert.match(problemAt(source({ ...base, "keyless:waittimer": "5" }), "keyless:waittimer"), /did you mean keyless:waitTimer\?/);
        });

        it("knows every key Pulumi.yaml declares", () => {
            const project = parse(fs.readFileSync("Pulumi.yaml", "utf8")) as { config: Record<string, unknown> };
            // deployOrder is known but undeclared: the CLI would require a declared key without a default.
            assert.deepEqual([...KNOWN_KEYS].filter((known) => known !== "deployOrder").sort(), Object.keys(project.config).sort());
        });

        it("lists the keys keyless reads when nothing is close", () => {
            assert.match(
                problemAt(source({ ...base, "keyless:colour": "blue" }), "keyless:colour"),
                /no repository's secrets name it[\s\S]*The keys keyless reads are accountId, environment, repositories/,
            );
        });

        it("accepts a key a repository's secrets name, and an encrypted key none names yet", () => {
            const secrets = { SENTRY_DSN: "billingSentryDsn" };
            assert.doesNotThrow(() =>
                loadStackConfig(
                    source(
                        { ...base, "keyless:repositories": [{ ...lambdaRepository, secrets }], "keyless:billingSentryDsn": "x", "keyless:spare": "y" },
                        ["keyless:billingSentryDsn", "keyless:spare"],
                    ),
                ),
            );
            // Keys of other namespaces belong to their providers.
            assert.doesNotThrow(() => loadStackConfig(source({ ...base, "aws:profile": "ops" })));
        });

        it("names the close key when a secrets reference is misspelled", () => {
            const config = source(
                { ...base, "keyless:repositories": [{ ...lambdaRepository, secrets: { SENTRY_DSN: "billingSentryDns" } }], "keyless:billingSentryDsn": "x" },
                ["keyless:billingSentryDsn"],
            );
            assert.match(problemAt(config, "keyless:repositories[0].secrets.SENTRY_DSN"), /is not set; did you mean keyless:billingSentryDsn\?/);
        });

        it("suggests the field meant inside a repository entry", () => {
            assert.match(
                problemAt(source({ ...base, "keyless:repositories": [{ ...lambdaRepository, waittimer: 5 }] }), "keyless:repositories[0].waittimer"),
                /unknown field;[\s\S]*did you mean waitTimer\?/,
            );
        });
    });

    describe("provider keys", () => {
        it("names a missing github:owner or aws:region and the command that sets it", () => {
            const problems = refusal(source({ ...base, "github:owner": undefined, "aws:region": undefined })).problems;
            assert.ok(problems.includes("github:owner: missing; set it with `pulumi config set github:owner <org>`"), problems.join("\n"));
            assert.ok(problems.includes("aws:region: missing; set it with `pulumi config set aws:region <region>`"), problems.join("\n"));
            assert.ok(!problems.some((problem) => /undefined/.test(problem)), problems.join("\n"));
        });

        it("still says what a present but invalid value should be", () => {
            assert.match(problemAt(source({ ...base, "aws:region": "europe" }), "aws:region"), /"europe" is not an AWS region[\s\S]*pulumi config set aws:region/);
        });
    });

    describe("secret values pasted where a name belongs", () => {
        const token = "sntrys_eyJpYXQiOjE3MDAwMDAwMDAuMCwidXJsIjoiaHR0cHM6Ly9zZW50cnkuaW8ifQ_Zm9vYmFyYmF6";

        it("reports a value in the secrets map by its shape, never its content", () => {
            const error = refusal(source({ ...base, "keyless:repositories": [{ ...lambdaRepository, secrets: { SENTRY_AUTH_TOKEN: token } }] }));
            const problem = error.problems.find((candidate) => candidate.startsWith("keyless:repositories[0].secrets.SENTRY_AUTH_TOKEN: "));
            assert.ok(problem, error.message);
            assert.match(problem, new RegExp(`a string of ${token.length} characters that is not a config key name[\\s\\S]*rotate it`));
            assert.ok(!error.message.includes(token.slice(0, 12)), error.message);
        });

        it("does not print a secret pasted as the secret's name either", () => {
            const error = refusal(source({ ...base, "keyless:repositories": [{ ...lambdaRepository, secrets: { [`ghp_${"a1B2".repeat(9)}`]: "dsn" } }] }));
            assert.ok(!error.message.includes("ghp_"), error.message);
            assert.match(error.message, /an entry's name \(a string of 40 characters\) looks like a credential/);
        });

        it("tells credentials from names", () => {
            for (const credential of [token, "0123456789abcdef0123456789abcdef01234567", `ghp_${"a1B2".repeat(9)}`, "AKIAIOSFODNN7EXAMPLE", `xoxb-${"1234567890"}-abc`, `sk_live_${"4eC39HqLyjWDarjtT1zdp7dc"}`]) {
                assert.ok(looksLikeCredential(credential), credential);
            }
            for (const name of ["NPM_TOKEN", "ASIA_REGION", "InvoiceWorkerProcessor2024Prod", "storefrontSentryAuthToken", "SENTRY_AUTH_TOKEN", "apiSentryDsn", "sk_live_key"]) {
                assert.ok(!looksLikeCredential(name), name);
            }
        });

        it("does not print a credential pasted into any other setting", () => {
            const error = refusal(source({ ...base, "keyless:enterpriseSlug": `ghp_${"a1B2".repeat(9)}` }));
            assert.match(error.message, /keyless:enterpriseSlug: \(a string of 40 characters that looks like a credential, not shown\) is not an enterprise slug/);
            assert.ok(!error.message.includes("ghp_"), error.message);
            const asKey = refusal(source({ ...base, [`keyless:ghp_${"a1B2".repeat(9)}`]: "x" }));
            assert.match(asKey.message, /keyless: a key of this namespace \(a string of 40 characters\) looks like a credential/);
            assert.ok(!asKey.message.includes("ghp_"), asKey.message);
            // ARNs stay readable.
            assert.match(
                problemAt(source({ ...base, "keyless:oidcProviderArn": "arn:aws:iam::333333333333:saml-provider/VeryLongProviderName2024" }), "keyless:oidcProviderArn"),
                /"arn:aws:iam::333333333333:saml-provider\/VeryLongProviderName2024" is not an IAM OIDC provider ARN/,
            );
        });

        it("keeps echoing an ordinary key name, so a typo can be fixed", () => {
            assert.match(
                problemAt(source({ ...base, "keyless:repositories": [{ ...lambdaRepository, secrets: { SENTRY_DSN: "billingDsn" } }] }), "keyless:repositories[0].secrets.SENTRY_DSN"),
                /config key keyless:billingDsn is not set; set it with `pulumi config set --secret billingDsn <value>`/,
            );
        });
    });

    describe("look-alike and invisible characters", () => {
        it("escapes a Cyrillic letter and a zero-width space instead of printing them as ASCII", () => {
            const error = refusal(
                source({ ...base, "keyless:environment": "st\u0430ging", "keyless:repositories": [{ ...lambdaRepository, name: "bill\u200bing" }] }),
            );
            assert.match(error.message, /"st\\u0430ging" is not a GitHub environment name/);
            assert.match(error.message, /"bill\\u200bing" is not a repository name/);
            assert.doesNotMatch(error.message, /[^\x20-\x7e\n\t]/);
        });

        it("escapes them in keys as well", () => {
            const error = refusal(source({ ...base, "keyless:w\u0430itTimer": "5" }));
            assert.ok(error.problems.some((problem) => problem.startsWith("keyless:w\\u0430itTimer: ") && /did you mean keyless:waitTimer/.test(problem)), error.message);
        });
    });

    describe("a repository's own statements", () => {
        it("are reported by their index in the entry, not in the merged document", () => {
            const statements = [
                { Sid: "ReadQueue", Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "arn:aws:sqs:eu-west-1:333333333333:jobs" },
                { Effect: "Allow", Action: "iam:PassRole", Resource: "*" },
            ];
            const ecs = { cluster: "c", services: ["s"], ecrRepositories: ["repo"], taskRoleArns: ["arn:aws:iam::333333333333:role/task"] };
            const error = refusal(source({ ...base, "keyless:repositories": [{ name: "api", permissions: { ecs, statements } }] }));
            assert.ok(error.problems.some((problem) => problem.startsWith("keyless:repositories[0].permissions.statements[1]: ") && /PassRole/.test(problem)), error.message);
            assert.doesNotMatch(error.message, /Statement\[\d+\]/);
        });
    });

    describe("every problem at once", () => {
        it("checks an entry's secrets and variables even when the stack's environment is invalid", () => {
            const problems = refusal(
                source({
                    ...base,
                    "keyless:environment": "prod*",
                    "keyless:repositories": [{ ...lambdaRepository, secrets: { "BAD-NAME": "x" }, variables: { SITE_URL: "" } }],
                }),
            ).problems;
            for (const key of ["keyless:environment", "keyless:repositories[0].secrets.BAD-NAME", "keyless:repositories[0].variables.SITE_URL"]) {
                assert.ok(problems.some((problem) => problem.startsWith(`${key}: `)), `${key} in:\n${problems.join("\n")}`);
            }
        });

        it("checks a repository's statements even when the account is invalid", () => {
            const problems = refusal(
                source({ ...base, "keyless:accountId": "12345", "keyless:repositories": [{ name: "api", permissions: { statements: [{ Effect: "Allow", Action: "*", Resource: "*" }] } }] }),
            ).problems;
            assert.ok(problems.some((problem) => problem.startsWith("keyless:accountId: ")), problems.join("\n"));
            assert.ok(problems.some((problem) => problem.startsWith("keyless:repositories[0].permissions.statements[0]: ")), problems.join("\n"));
        });

        it("reports every mistake of a stack file with many of them", () => {
            const file = readStackConfig(FIXTURES, "mistakes");
            const error = refusal({ stack: "mistakes", values: file.values, secretKeys: new Set(file.secretKeys) });
            const expected: [string, RegExp][] = [
                ["github:owner", /missing; set it with `pulumi config set github:owner <org>`/],
                ["aws:region", /missing; set it with `pulumi config set aws:region <region>`/],
                ["keyless:environment", /not a GitHub environment name/],
                ["keyless:permissionBoundaryArn", /did you mean keyless:permissionsBoundaryArn/],
                ["keyless:waittimer", /did you mean keyless:waitTimer/],
                ["keyless:repositories[0].waittimer", /did you mean waitTimer/],
                ["keyless:repositories[0].secrets.SENTRY_AUTH_TOKEN", /not a config key name/],
                ["keyless:repositories[0].variables.SITE_URL", /non-empty string/],
                ["keyless:repositories[1].permissions.statements[1]", /PassRole/],
            ];
            for (const [key, message] of expected) {
                assert.ok(error.problems.some((problem) => problem.startsWith(`${key}: `) && message.test(problem)), `${key} ${message} in:\n${error.message}`);
            }
            assert.ok(!error.message.includes("sntrys_"), "the pasted token is never printed");
        });
    });

    describe("messages that used to mislead", () => {
        const boundary = { "keyless:permissionsBoundaryArn": "arn:aws:iam::333333333333:policy/boundary" };
        const keylessRole = { name: "keyless", permissions: { keyless: {} } };

        for (const [key, value, fix] of [
            ["keyless:accountId", "33333333333", /has 11 digits[\s\S]*write all 12 digits in quotes/],
            ["keyless:accountId", "3333-3333-3333", /write it without dashes: "333333333333"/],
            ["aws:region", "us-east1", /did you mean us-east-1\?/],
        ] as const) {
            it(`names ${key} and the fix for ${value} when a repository uses the keyless preset, instead of crashing`, () => {
                const { problems } = refusal(source({ ...base, ...boundary, [key]: value, "keyless:repositories": [keylessRole, lambdaRepository] }));
                assert.ok(problems.some((problem) => problem.startsWith(`${key}: `) && fix.test(problem)), problems.join("\n"));
                assert.ok(!problems.some((problem) => /ResourceScope/.test(problem)), problems.join("\n"));
            });
        }

        it("names the repository and its context in a problem of an entry", () => {
            const { message } = refusal(
                source({
                    ...base,
                    "keyless:repositories": [lambdaRepository, { ...lambdaRepository, name: "api", environment: "prod", waitTimer: 50000 }, { ...lambdaRepository, branch: "main", waitTimer: 1 }],
                }),
            );
            assert.match(message, /keyless:repositories\[1\]\.waitTimer: 50000 is outside 0-43200 .*\[acme\/api, environment prod\]$/m);
            assert.match(message, /keyless:repositories\[2\]\.waitTimer: only applies .*\[acme\/billing, branch main\]$/m);
        });

        it("reports a stack-wide limit every entry inherits once", () => {
            const { problems } = refusal(
                source({
                    ...base,
                    "keyless:reviewerTeams": ["a", "b", "c", "d"],
                    "keyless:reviewerUsers": ["e", "f", "g"],
                    "keyless:repositories": ["one", "two", "three", "four"].map((name) => ({ ...lambdaRepository, name })),
                }),
            );
            assert.equal(problems.filter((problem) => /7 reviewers given/.test(problem)).length, 1, problems.join("\n"));
        });

        it("warns about a credential-shaped variable value without printing it, and suggests secrets", () => {
            const token = `ghp_${"a1B2".repeat(9)}`;
            const config = loadStackConfig(source({ ...base, "keyless:repositories": [{ ...lambdaRepository, variables: { DEPLOY_TOKEN: token, SITE_URL: "https://shop.example" } }] }));
            assert.equal(config.warnings?.length, 1, config.warnings?.join("\n"));
            assert.match(config.warnings?.[0] ?? "", /^keyless:repositories\[0\]\.variables\.DEPLOY_TOKEN: the value \(a string of 40 characters\) looks like a credential[\s\S]*`secrets`.*\[acme\/billing, environment staging\]$/);
            assert.ok(!config.warnings?.[0].includes("ghp_"));
        });

        it("points a YAML syntax error at the quote left open, not where the parser gave up", () => {
            const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "keyless-yaml-"));
            try {
                fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: keyless\nruntime: nodejs\n");
                const lines = ["config:", "  aws:region: eu-west-1", '  keyless:environment: "staging', ...Array.from({ length: 50 }, (_, index) => `  keyless:k${index}: v`)];
                fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), `${lines.join("\n")}\n`);
                assert.throws(
                    () => readStackConfig(dir, "broken"),
                    (error: unknown) => error instanceof StackFileError && /not valid YAML: the quote opened at line 3, column 24 is never closed/.test(error.message),
                );
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("secure values", () => {
        it("refuses `secure:` values that are not ciphertext, naming each key and never its content", () => {
            assert.throws(
                () => readStackConfig(FIXTURES, "malformed"),
                (error: unknown) => {
                    assert.ok(error instanceof StackFileError);
                    assert.match(error.message, /keyless:pastedToken: a string of 34 characters, not the passphrase provider's v1:<nonce>:<ciphertext>/);
                    assert.match(error.message, /keyless:emptyValue: an empty string/);
                    assert.match(error.message, /keyless:numberValue: a number/);
                    assert.match(error.message, /pulumi config set --secret pastedToken <value>/);
                    assert.doesNotMatch(error.message, /goodValue|do_not_echo/);
                    return true;
                },
            );
        });

        it("tells the ciphertext forms of Pulumi's secrets providers from anything else", () => {
            assert.ok(isPulumiCiphertext("v1:9lMGJ1V4CvUWAiBe:6z/Z3CXqLjA3fx3Y7FgIEpU3NbLPK8GLm7L+UGXR12C7dZd+gFy9YcNBgqllTzHnPZQY", "passphrase"));
            assert.ok(isPulumiCiphertext("AAABAKnOqcrpBXpGRONQzThRKo3wCRVrW4A=", "base64"));
            for (const value of ["", "plaintext", "v1:short:AAAA", "v1:9lMGJ1V4CvUWAiBe", 42, undefined]) {
                assert.equal(isPulumiCiphertext(value, "passphrase"), false, String(value));
            }
            for (const value of ["", "not base64!", "abc", 7]) assert.equal(isPulumiCiphertext(value, "base64"), false, String(value));
        });

        it("accepts the encrypted values of every stack file of the project", () => {
            for (const stack of listStacks(".")) assert.doesNotThrow(() => readStackConfig(".", stack));
        });
    });
});
