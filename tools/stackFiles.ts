// Reading a Pulumi project's Pulumi.yaml and Pulumi.<stack>.yaml into the config the program
// would see, without the Pulumi CLI: values as strings (objects and lists as JSON, as the CLI
// passes them), project defaults applied, and encrypted values replaced by a placeholder
// because nothing offline can decrypt them.

import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseDocument, Parser, YAMLError } from "yaml";
// A malformed `secure:` value may be the secret in plaintext: it is described by shape only.
import { escapeText, shapeOf } from "../components/configReader";

/** What stands in for a value stored encrypted in the stack file. */
export const REDACTED = "[secret: encrypted in the stack file, not decrypted offline]";

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** The stack file that was read. */
    readonly file: string;
    /** Full key to value as text. */
    readonly values: Record<string, string>;
    /** Full keys whose values are encrypted (and so redacted here). */
    readonly secretKeys: string[];
    /** Things the reader could not reproduce offline. */
    readonly notes: string[];
}

export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new StackFileError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const document = parseDocument(text);
    if (document.errors.length > 0) throw new StackFileError(`${file} is not valid YAML: ${yamlErrorText(text, document.errors[0])}`);
    return document.toJS() ?? {};
}

/**
 * The parser's first error, said where the mistake is. An unclosed quote runs on to the end of
 * the file or the next quote, where the yaml package reports it ("Missing closing "quote at line
 * 55"); the quote that was left open is at the start of that scalar, found in the parser's tokens.
 */
export function yamlErrorText(text: string, error: YAMLError): string {
    const first = error.message.split("\n")[0];
    if (error.code !== "MISSING_CHAR" || !/^Missing closing .?quote/.test(first)) return first;
    const lines = new LineCounter();
    let opening: number | undefined;
    const visit = (node: unknown): void => {
        if (typeof node !== "object" || node === null) return;
        if (Array.isArray(node)) return node.forEach(visit);
        const token = node as { type?: unknown; offset?: unknown; source?: unknown };
        if (typeof token.type === "string" && /quoted-scalar$/.test(token.type) && typeof token.offset === "number" && typeof token.source === "string") {
            if (token.offset <= error.pos[0] && token.offset + token.source.length >= error.pos[0]) opening = token.offset;
            return;
        }
        for (const [field, value] of Object.entries(node)) if (field !== "source") visit(value);
    };
    for (const token of new Parser(lines.addNewLine).parse(text)) visit(token);
    if (opening === undefined) return first;
    const at = lines.linePos(opening);
    const gaveUp = lines.linePos(error.pos[0]);
    return (
        `the quote opened at line ${at.line}, column ${at.col} is never closed ` +
        `(the parser read on to line ${gaveUp.line}: "Missing closing quote"); close it on line ${at.line}`
    );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A stack name as the Pulumi CLI accepts it: letters, digits, `-`, `_` and `.`, at most 100
 * characters (pulumi/pulumi pkg/backend/diy/backend.go, validateStackName: "stack names may only
 * contain alphanumeric, hyphens, underscores, and periods"). A plan takes the bare name, as in
 * Pulumi.<stack>.yaml, so `org/stack` and anything path-like is refused before any file is read.
 */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Why `stack` is not a stack name, or undefined when it is one. */
export function stackNameProblem(stack: string): string | undefined {
    if (STACK_NAME.test(stack) && stack !== "." && stack !== "..") return undefined;
    return (
        `${JSON.stringify(stack)} is not a stack name: stack names may only contain letters, digits, hyphens, ` +
        "underscores and periods (at most 100), as in Pulumi.<stack>.yaml; give the bare name, e.g. prod"
    );
}

/** The stack names that have a Pulumi.<stack>.yaml in the project directory. */
export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/**
 * Reads a stack's config the way the CLI would hand it to the program: from
 * `<projectDir>/Pulumi.<stack>.yaml`, or from `configFile`, as the CLI's `--config-file` ("Use the
 * configuration values in the specified file rather than detecting the file name",
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/).
 */
export function readStackConfig(projectDir: string, stack: string, configFile?: string): StackConfig {
    const nameProblem = stackNameProblem(stack);
    if (nameProblem !== undefined) throw new StackFileError(nameProblem);
    const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((name) => path.join(projectDir, name)).find((file) => fs.existsSync(file));
    if (!projectFile) throw new StackFileError(`${projectDir} has no Pulumi.yaml: it is not a Pulumi project`);
    const project = readYaml(projectFile);
    if (!isRecord(project) || typeof project.name !== "string") {
        throw new StackFileError(`${projectFile} has no project name`);
    }
    const projectName = project.name;

    const stackFile =
        configFile ??
        [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((name) => path.join(projectDir, name)).find((file) => fs.existsSync(file));
    if (!stackFile) {
        const known = listStacks(projectDir);
        throw new StackFileError(
            `no stack named ${JSON.stringify(stack)} in ${projectDir}: there is no Pulumi.${stack}.yaml` +
                (known.length > 0 ? ` (stacks here: ${known.join(", ")})` : ""),
        );
    }
    const stackYaml = readYaml(stackFile);
    if (!isRecord(stackYaml)) throw new StackFileError(`${stackFile} is not a stack settings file (expected a mapping)`);
    const stackConfig = stackYaml.config ?? {};
    if (!isRecord(stackConfig)) throw new StackFileError(`${stackFile}: config must be a mapping of keys to values`);

    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const notes: string[] = [];
    const fullKey = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);

    const ciphertext = ciphertextForm(stackYaml);
    const malformed: string[] = [];
    for (const [key, raw] of Object.entries(stackConfig)) {
        const { value, secret } = redact(raw, fullKey(key), ciphertext, malformed);
        values[fullKey(key)] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(fullKey(key));
    }
    if (malformed.length > 0) {
        throw new StackFileError(
            `${stackFile} holds \`secure:\` values that are not Pulumi ciphertext, so the Pulumi CLI cannot decrypt them either:\n` +
                malformed.map((problem) => `  - ${escapeText(problem)}`).join("\n"),
        );
    }
    // Project-level defaults and values apply where the stack sets nothing, as the CLI does.
    if (isRecord(project.config)) {
        for (const [key, declaration] of Object.entries(project.config)) {
            if (values[fullKey(key)] !== undefined) continue;
            const fallback = isRecord(declaration) ? declaration.value ?? declaration.default : declaration;
            if (fallback !== undefined && fallback !== null) {
                values[fullKey(key)] = typeof fallback === "string" ? fallback : JSON.stringify(fallback);
            }
        }
    }
    if (stackYaml.environment !== undefined) {
        notes.push(`${path.basename(stackFile)} imports Pulumi ESC environments; their values are not available offline`);
    }
    if (secretKeys.length > 0) {
        notes.push(`encrypted config values are shown as placeholders: ${secretKeys.join(", ")}`);
    }
    return { project: projectName, stack, file: stackFile, values, secretKeys, notes };
}

/**
 * The form the stack's secrets provider writes. The passphrase provider writes
 * `v1:<base64 nonce>:<base64 ciphertext>`; the Pulumi Cloud service and the cloud KMS providers
 * (awskms, azurekeyvault, gcpkms, hashivault) write the ciphertext in standard base64
 * (pulumi/pulumi sdk/go/common/resource/config/crypt.go symmetricCrypter.EncryptValue;
 * pkg/secrets/service/manager.go serviceCrypter.EncryptValue).
 */
type CiphertextForm = "passphrase" | "base64";

function ciphertextForm(stackYaml: Record<string, unknown>): CiphertextForm {
    return stackYaml.secretsprovider === "passphrase" || typeof stackYaml.encryptionsalt === "string" ? "passphrase" : "base64";
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether `value` has the shape of a ciphertext of that form (its content stays unchecked offline). */
export function isPulumiCiphertext(value: unknown, form: CiphertextForm): boolean {
    if (typeof value !== "string" || value.length === 0) return false;
    if (form === "base64") return BASE64.test(value);
    const parts = value.split(":");
    // A 12-byte AES-GCM nonce is 16 base64 characters; the ciphertext carries at least its 16-byte tag.
    return parts.length === 3 && parts[0] === "v1" && parts[1].length === 16 && BASE64.test(parts[1]) && parts[2].length >= 24 && BASE64.test(parts[2]);
}

/** Replaces every `{secure: ...}` inside a value by the placeholder; records the malformed ones. */
function redact(raw: unknown, where: string, form: CiphertextForm, malformed: string[]): { value: unknown; secret: boolean } {
    if (isRecord(raw) && Object.keys(raw).length === 1 && "secure" in raw) {
        if (!isPulumiCiphertext(raw.secure, form)) {
            const name = where.replace(/^[^:]+:/, "");
            malformed.push(
                `${where}: ${shapeOf(raw.secure)}, not ${form === "passphrase" ? "the passphrase provider's v1:<nonce>:<ciphertext>" : "base64 ciphertext"}; ` +
                    `if it is the secret in plaintext, rotate it; set the value again with \`pulumi config set --secret ${name} <value>\`` +
                    (where.includes(".") || where.includes("[") ? " --path" : ""),
            );
        }
        return { value: REDACTED, secret: true };
    }
    if (Array.isArray(raw)) {
        const items = raw.map((item, index) => redact(item, `${where}[${index}]`, form, malformed));
        return { value: items.map((item) => item.value), secret: items.some((item) => item.secret) };
    }
    if (isRecord(raw)) {
        const entries = Object.entries(raw).map(([key, value]) => [key, redact(value, `${where}.${key}`, form, malformed)] as const);
        return {
            value: Object.fromEntries(entries.map(([key, item]) => [key, item.value])),
            secret: entries.some(([, item]) => item.secret),
        };
    }
    return { value: raw === null ? "" : raw, secret: false };
}
