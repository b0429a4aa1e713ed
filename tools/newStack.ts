// `npm run new-stack -- <stack> --from <stack> --account <id> [--environment <name>] [--region <region>]`:
// adds a stack (one deployment environment in one AWS account) by copying an existing stack file.
// It sets the account, the environment and the region, moves every account ID inside ARNs to the
// new account, drops the encrypted values (another stack's key cannot decrypt them) and the source's
// secrets-provider settings, lists the values that still name the source stack's resources, then
// checks the result as the program would (config, and the organisation's protection rule) and
// says what is left to do: the secrets, the Pulumi Cloud policy and deploy App key, and the bootstrap
// of the account. A stack in an account that already holds a stack of the project adopts its OIDC
// provider and gets a role path and a boundary of its own (see SharedAccount).
//
// Exit codes: 0 the stack file was written; 2 it was not (bad arguments, unknown source, the file
// exists, a name that collides with another stack's).

import * as fs from "fs";
import * as path from "path";
import { isMap, isPair, isScalar, parseDocument, Scalar, visit, YAMLMap } from "yaml";
import { loadStackConfig, PROJECT, STACK_DEFAULTS, variableStackName } from "../components/config";
import { STACK_SCHEMA_FILE } from "../components/config/schema";
import { KeylessConfigError } from "../components/configReader";
import { isAccountId, isEnvironmentName, isRegion, partitionOf, rolePathsOverlap, stackPolicyArn, stackRolePath } from "../components/names";
import { issuerHost } from "../components/subjects";
import { checkAgainstOrganization } from "../components/protection";
import { listStacks, readStackConfig } from "./stackFiles";

const USAGE = `usage: npm run new-stack -- <stack> --from <stack> --account <12-digit id>
                                     [--environment <name>] [--region <region>] [--dir <project>]

Writes Pulumi.<stack>.yaml from Pulumi.<from>.yaml with the new account, environment (default: the
stack's name) and region, and says what is left to do (secrets, pipeline, bootstrap).`;

export interface NewStackOptions {
    /** The new stack's name. */
    readonly stack: string;
    /** The stack whose file is copied. */
    readonly from: string;
    readonly accountId: string;
    /** The GitHub environment the new stack's roles trust (default: the stack's name). */
    readonly environment?: string;
    readonly region?: string;
}

export interface DerivedStack {
    /** The new stack file's text. */
    readonly text: string;
    readonly accountId: string;
    readonly environment: string;
    readonly region: string | undefined;
    /** Config keys whose encrypted values were not copied. */
    readonly droppedSecrets: readonly string[];
    /** Values that mention the source stack or its environment: likely its resources' names. */
    readonly sourceMentions: readonly { readonly path: string; readonly value: string }[];
    /** What was written because other stacks share the account (adoption, path, boundary). */
    readonly sharedAccount?: { readonly with: SharedAccount; readonly rolePath: string; readonly boundaries: readonly string[]; readonly problems: readonly string[] };
}

/**
 * Stacks of this project already in the new stack's account (other stack files with the same
 * keyless:accountId). The account holds one OIDC provider per issuer and unique role names, and a
 * stack's keyless role reaches every role under its path: the new stack adopts their provider and
 * gets a path and a boundary of its own.
 */
export interface SharedAccount {
    /** The other stacks, by name. */
    readonly stacks: readonly string[];
    /** The provider to adopt: the one the first of them created (or adopted). */
    readonly providerArn: string;
    /** Their role paths. */
    readonly rolePaths: readonly string[];
    /** Their explicit role names (entries' roleName), which the new stack must not reuse. */
    readonly roleNames: readonly string[];
}

export class NewStackError extends Error {}

/** Pulumi's rule for stack names: "may only contain alphanumeric, hyphens, underscores, or periods". */
export const isStackName = (name: string): boolean => /^[A-Za-z0-9_.-]{1,100}$/.test(name);

/** The provider settings of a stack file: they belong to the source stack's key, not the new one's. */
const SECRETS_PROVIDER_KEYS = ["secretsprovider", "encryptionsalt", "encryptedkey"];

const keyOf = (name: string): string[] => [`${PROJECT}:${name}`, name];
const fullKey = (key: string): string => (key.includes(":") ? key : `${PROJECT}:${key}`);

function configPair(config: YAMLMap, name: string) {
    return config.items.find((pair) => isScalar(pair.key) && keyOf(name).includes(String(pair.key.value)));
}

function containsSecure(node: unknown): boolean {
    let found = false;
    visit(node as Parameters<typeof visit>[0], {
        Pair(_, pair) {
            if (isScalar(pair.key) && pair.key.value === "secure") {
                found = true;
                return visit.BREAK;
            }
            return undefined;
        },
    });
    return found;
}

/** `value` without a trailing `-<stack>` (a per-stack name of the source), e.g. /github-actions-dev/ for dev. */
function withoutStackSuffix(value: string, stack: string, trailing = ""): string {
    const suffix = `-${stack}${trailing}`;
    return value.endsWith(suffix) ? `${value.slice(0, -suffix.length)}${trailing}` : value;
}

/** The new stack file, from the source stack file's text; `shared` when other stacks of the project are in its account. Pure. */
export function deriveStack(sourceText: string, options: NewStackOptions, shared?: SharedAccount): DerivedStack {
    const environment = options.environment ?? options.stack;
    const problems: string[] = [];
    if (!isStackName(options.stack)) problems.push(`${JSON.stringify(options.stack)} is not a stack name (letters, digits, -, _ and .)`);
    if (!isAccountId(options.accountId)) problems.push(`--account ${JSON.stringify(options.accountId)} is not a 12-digit AWS account ID`);
    if (!isEnvironmentName(environment)) problems.push(`--environment ${JSON.stringify(environment)} is not a GitHub environment name keyless accepts`);
    if (options.region !== undefined && !isRegion(options.region)) problems.push(`--region ${JSON.stringify(options.region)} is not an AWS region`);
    if (problems.length > 0) throw new NewStackError(problems.join("\n"));

    const doc = parseDocument(sourceText);
    if (doc.errors.length > 0) throw new NewStackError(`Pulumi.${options.from}.yaml is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    const config = doc.get("config");
    if (!isMap(config)) throw new NewStackError(`Pulumi.${options.from}.yaml has no config mapping to copy`);
    const sourceAccount = configPair(config, "accountId");
    const sourceEnvironment = configPair(config, "environment");
    const oldAccount = isScalar(sourceAccount?.value) ? String(sourceAccount.value.value) : undefined;
    const oldEnvironment = isScalar(sourceEnvironment?.value) ? String(sourceEnvironment.value.value) : undefined;

    // Encrypted values: another stack's key cannot decrypt them.
    const droppedSecrets: string[] = [];
    for (const pair of [...config.items]) {
        if (containsSecure(pair.value)) {
            droppedSecrets.push(String(isScalar(pair.key) ? pair.key.value : pair.key));
            config.items.splice(config.items.indexOf(pair), 1);
        }
    }
    for (const key of SECRETS_PROVIDER_KEYS) doc.delete(key);

    const quoted = (value: string) => Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE });
    config.set(sourceAccount ? sourceAccount.key : `${PROJECT}:accountId`, quoted(options.accountId));
    config.set(sourceEnvironment ? sourceEnvironment.key : `${PROJECT}:environment`, environment);
    if (options.region !== undefined) config.set("aws:region", options.region);

    // ARNs move to the new account; names that mention the source stack are listed for review.
    const accountPattern = oldAccount && isAccountId(oldAccount) ? new RegExp(`(?<![0-9])${oldAccount}(?![0-9])`, "g") : undefined;
    const mention = new RegExp(
        `(^|[^A-Za-z0-9])(${[...new Set([options.from, oldEnvironment].filter((name): name is string => !!name))].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})($|[^A-Za-z0-9])`,
        "i",
    );
    const sourceMentions: { path: string; value: string }[] = [];
    // A variablePrefix naming the source stack (AWS_DRIFT_DEV) names the new one: two stacks writing
    // the same repository variables would overwrite each other's role ARN.
    const fromSuffix = `_${variableStackName(options.from)}`;
    visit(config, {
        Scalar(key, node, ancestors) {
            if (key === "key" || typeof node.value !== "string") return;
            let value = accountPattern ? node.value.replace(accountPattern, options.accountId) : node.value;
            const pathParts: string[] = [];
            for (const ancestor of ancestors) {
                if (isPair(ancestor) && isScalar(ancestor.key)) pathParts.push(String(ancestor.key.value));
            }
            if (pathParts.at(-1) === "variablePrefix" && value.toUpperCase().endsWith(fromSuffix)) {
                value = `${value.slice(0, -fromSuffix.length)}_${variableStackName(options.stack)}`;
            }
            node.value = value;
            const configKey = pathParts[0];
            if (keyOf("environment").includes(configKey) || keyOf("accountId").includes(configKey)) return;
            if (mention.test(value)) sourceMentions.push({ path: yamlPath(config, node), value });
        },
    });

    // Another stack of the project in the same account: adopt its provider, take a path and a
    // boundary of this stack's own (components/names.ts stackRolePath, stackPolicyArn).
    let sharedAccount: DerivedStack["sharedAccount"];
    if (shared !== undefined) {
        const sourcePath = configPair(config, "rolePath");
        const basePath = withoutStackSuffix(isScalar(sourcePath?.value) ? String(sourcePath.value.value) : STACK_DEFAULTS.rolePath, options.from, "/");
        const rolePath = stackRolePath(basePath, options.stack);
        config.set(sourcePath ? sourcePath.key : `${PROJECT}:rolePath`, rolePath);
        const providerPair = configPair(config, "oidcProviderArn");
        config.set(providerPair ? providerPair.key : `${PROJECT}:oidcProviderArn`, shared.providerArn);
        const boundaries: string[] = [];
        visit(config, {
            Pair(_, pair) {
                if (!isScalar(pair.key) || !keyOf("permissionsBoundaryArn").includes(String(pair.key.value)) || !isScalar(pair.value)) return;
                const arn = String(pair.value.value);
                if (arn === "") return;
                pair.value.value = stackPolicyArn(withoutStackSuffix(arn, options.from), options.stack);
                boundaries.push(String(pair.value.value));
            },
        });
        const problems = [
            ...shared.rolePaths
                .filter((other) => rolePathsOverlap(other, rolePath))
                .map((other) => `${PROJECT}:rolePath: ${rolePath} overlaps ${other} of another stack in account ${options.accountId}; give each stack a path of its own`),
        ];
        visit(config, {
            Pair(_, pair) {
                if (isScalar(pair.key) && pair.key.value === "roleName" && isScalar(pair.value) && shared.roleNames.includes(String(pair.value.value))) {
                    problems.push(
                        `roleName ${String(pair.value.value)} is also a role of ${shared.stacks.join(", ")} in account ${options.accountId}; ` +
                            "IAM role names are unique per account: give this stack's entry another roleName, or drop it for the default (which names the stack)",
                    );
                }
            },
        });
        sharedAccount = { with: shared, rolePath, boundaries: [...new Set(boundaries)], problems };
    }

    doc.commentBefore =
        // First line: the editors' JSON Schema of stack files (tools/genConfig.ts), relative to the file.
        ` yaml-language-server: $schema=./${STACK_SCHEMA_FILE}\n` +
        ` The ${options.stack} stack: account ${options.accountId}, GitHub environment "${environment}".\n` +
        ` Created from Pulumi.${options.from}.yaml with \`npm run new-stack\`; see docs/running.md, "Adding a stack".`;
    const region = configPair(config, "aws:region");
    return {
        text: doc.toString(),
        accountId: options.accountId,
        environment,
        region: isScalar(region?.value) ? String(region.value.value) : undefined,
        droppedSecrets,
        sourceMentions,
        sharedAccount,
    };
}

/** The stacks in `dir` (but `stack`) whose stack file names `accountId`, with what the new stack must not collide with. */
export function sharedAccount(dir: string, stack: string, accountId: string): SharedAccount | undefined {
    const others = listStacks(dir)
        .filter((other) => other !== stack)
        .map((other) => ({ name: other, values: readStackConfig(dir, other).values }))
        .filter((other) => other.values[`${PROJECT}:accountId`] === accountId);
    if (others.length === 0) return undefined;
    const first = others[0].values;
    const region = first["aws:region"] ?? "us-east-1";
    const providerArn =
        first[`${PROJECT}:oidcProviderArn`] ||
        `arn:${partitionOf(region)}:iam::${accountId}:oidc-provider/${issuerHost(first[`${PROJECT}:enterpriseSlug`] || undefined)}`;
    const roleNames = others.flatMap((other) => {
        try {
            const entries = JSON.parse(other.values[`${PROJECT}:repositories`] ?? "[]") as unknown;
            return Array.isArray(entries) ? entries.flatMap((entry) => (typeof (entry as { roleName?: unknown })?.roleName === "string" ? [(entry as { roleName: string }).roleName] : [])) : [];
        } catch {
            return [];
        }
    });
    return {
        stacks: others.map((other) => other.name),
        providerArn,
        rolePaths: others.map((other) => other.values[`${PROJECT}:rolePath`] || STACK_DEFAULTS.rolePath),
        roleNames,
    };
}

/** `keyless:repositories[2].permissions.ecs.cluster` for a scalar inside the config mapping. */
function yamlPath(config: YAMLMap, target: Scalar): string {
    const walk = (node: unknown, prefix: string): string | undefined => {
        if (node === target) return prefix;
        if (isMap(node)) {
            for (const pair of node.items) {
                const name = isScalar(pair.key) ? String(pair.key.value) : "?";
                const found = walk(pair.value, prefix === "" ? name : `${prefix}.${name}`);
                if (found !== undefined) return found;
            }
        } else if (node !== null && typeof node === "object" && "items" in node && Array.isArray(node.items)) {
            for (const [index, item] of (node.items as unknown[]).entries()) {
                const found = walk(item, `${prefix}[${index}]`);
                if (found !== undefined) return found;
            }
        }
        return undefined;
    };
    return walk(config, "") ?? "?";
}

/**
 * Stack names that would collide with `stack` in the pull request comments: pulumi/actions finds
 * its previous comment by a heading that ends in the stack name, with a prefix match
 * (pulumi/actions#1165), so no stack name may begin another.
 */
export function collidingStacks(stack: string, existing: readonly string[]): string[] {
    return existing.filter((other) => other !== stack && (other.startsWith(stack) || stack.startsWith(other)));
}

export interface NewStackOutcome {
    readonly file: string;
    readonly derived: DerivedStack;
    /** What the program would still refuse once the secrets are set again. */
    readonly problems: readonly string[];
    readonly report: string;
}

/** Writes `<dir>/Pulumi.<stack>.yaml` and reports what is left to do. */
export function newStack(dir: string, options: NewStackOptions): NewStackOutcome {
    const existing = listStacks(dir);
    if (!existing.includes(options.from)) {
        throw new NewStackError(`no stack ${JSON.stringify(options.from)} to copy in ${dir} (stacks here: ${existing.join(", ") || "none"})`);
    }
    if (existing.includes(options.stack)) throw new NewStackError(`Pulumi.${options.stack}.yaml already exists; pick another name or edit that file`);
    const colliding = collidingStacks(options.stack, existing);
    if (colliding.length > 0) {
        throw new NewStackError(
            `${JSON.stringify(options.stack)} and ${colliding.map((name) => JSON.stringify(name)).join(", ")}: one name begins the other, so their ` +
                "pull request preview comments would overwrite each other (pulumi/actions finds its comment by a prefix of the heading); pick another name",
        );
    }
    const source = readStackConfig(dir, options.from);
    const derived = deriveStack(fs.readFileSync(source.file, "utf8"), options, sharedAccount(dir, options.stack, options.accountId));
    const file = path.join(dir, `Pulumi.${options.stack}.yaml`);
    fs.writeFileSync(file, derived.text, { flag: "wx" });

    // Checked as the program will see it once the secrets are set again (they are listed apart).
    const problems: string[] = [...(derived.sharedAccount?.problems ?? [])];
    const written = readStackConfig(dir, options.stack);
    const values = { ...written.values, ...Object.fromEntries(derived.droppedSecrets.map((key) => [fullKey(key), "(to be set)"])) };
    const secretKeys = new Set([...written.secretKeys, ...derived.droppedSecrets.map(fullKey)]);
    try {
        const config = loadStackConfig({ stack: options.stack, values, secretKeys });
        problems.push(...checkAgainstOrganization(config, dir).problems);
    } catch (error) {
        if (!(error instanceof KeylessConfigError)) throw error;
        problems.push(...error.problems);
    }
    return { file, derived, problems, report: report(options, derived, problems) };
}

function report(options: NewStackOptions, derived: DerivedStack, problems: readonly string[]): string {
    const lines = [
        `Wrote Pulumi.${options.stack}.yaml from Pulumi.${options.from}.yaml: account ${derived.accountId}, ` +
            `GitHub environment "${derived.environment}", region ${derived.region ?? "(unset)"}.`,
        "",
    ];
    if (derived.droppedSecrets.length > 0) {
        lines.push(
            "Secrets not copied (each stack encrypts with its own key, so the source's ciphertext is useless here). With the",
            // `pulumi config set`: "If a value is not present on the command line, pulumi will prompt for the value."
            // (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/)
            "Pulumi CLI, logged in to your backend, create the stack and set each one (the CLI prompts for the value):",
            `  pulumi stack init <org>/${options.stack}          # add --secrets-provider awskms://... for a provider other than Pulumi Cloud's`,
            ...derived.droppedSecrets.map((key) => `  pulumi config set --secret --stack <org>/${options.stack} ${key}`),
            `then commit Pulumi.${options.stack}.yaml (it holds only ciphertext).`,
            "",
        );
    }
    if (derived.sharedAccount !== undefined) {
        const shared = derived.sharedAccount;
        lines.push(
            `Account ${derived.accountId} already holds stack ${shared.with.stacks.join(", ")} of this project, so ${options.stack}:`,
            `  adopts its OIDC provider (an account holds one per issuer): keyless:oidcProviderArn: ${shared.with.providerArn}`,
            `  keeps its roles under keyless:rolePath ${shared.rolePath} (theirs: ${shared.with.rolePaths.join(", ")}), so neither stack's keyless role can change the other's roles`,
            ...(shared.boundaries.length > 0
                ? [`  carries a boundary of its own: ${shared.boundaries.join(", ")} (create it with the bootstrap step below)`]
                : []),
            "",
        );
    }
    if (derived.sourceMentions.length > 0) {
        lines.push(`Values copied from ${options.from} that name ${options.from}'s resources or environment; change them to ${options.stack}'s:`);
        lines.push(...derived.sourceMentions.map((mention) => `  ${mention.path}: ${mention.value}`), "");
    }
    if (problems.length > 0) {
        lines.push("The program refuses the stack until these are fixed:", ...problems.map((problem) => `  - ${problem}`), "");
    } else {
        lines.push(`The program accepts the stack${derived.droppedSecrets.length > 0 ? " once those secrets are set" : " as written"}.`, "");
    }
    lines.push(
        "Then:",
        `  npm run plan -- ${options.stack}         # offline: who can deploy where, and the policy pack's verdict`,
        `  the pipeline finds ${options.stack} in its stack file; add the Pulumi Cloud policy for its environment and, after its first \`pulumi up\`, the deploy App's key as its environment secret (docs/running.md, "Adding a stack")`,
        `  before its first \`pulumi up\`, the bootstrap step in account ${derived.accountId}: npm run bootstrap-boundary -- ${options.stack} (docs/configuration.md, "The permissions boundary"), then that first \`pulumi up\` with administrator credentials: it creates keyless's own deploy role, which only an administrator's run changes`,
    );
    return `${lines.join("\n")}\n`;
}

export function parseArguments(argv: readonly string[]): { options: NewStackOptions; dir: string } | "help" {
    let stack: string | undefined;
    const named: Record<string, string> = {};
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        if (argument === "-h" || argument === "--help") return "help";
        if (["--from", "--account", "--environment", "--region", "--dir"].includes(argument)) {
            const value = argv[++index];
            if (value === undefined || value.startsWith("--")) throw new NewStackError(`${argument} needs a value`);
            named[argument.slice(2)] = value;
        } else if (argument.startsWith("-")) {
            throw new NewStackError(`unknown option ${argument}`);
        } else if (stack !== undefined) {
            throw new NewStackError(`one stack at a time (got ${stack} and ${argument})`);
        } else {
            stack = argument;
        }
    }
    if (stack === undefined) throw new NewStackError("name the new stack, e.g. npm run new-stack -- staging --from dev --account 333333333333");
    if (named.from === undefined) throw new NewStackError("--from <stack> names the stack file to copy");
    if (named.account === undefined) throw new NewStackError("--account <id> names the new stack's AWS account");
    return {
        options: { stack, from: named.from, accountId: named.account, environment: named.environment, region: named.region },
        dir: path.resolve(named.dir ?? "."),
    };
}

function main(argv: readonly string[]): number {
    try {
        const parsed = parseArguments(argv);
        if (parsed === "help") {
            process.stdout.write(`${USAGE}\n`);
            return 0;
        }
        process.stdout.write(newStack(parsed.dir, parsed.options).report);
        return 0;
    } catch (error) {
        if (error instanceof NewStackError) {
            process.stderr.write(`new-stack: ${error.message}\n\n${USAGE}\n`);
            return 2;
        }
        throw error;
    }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
