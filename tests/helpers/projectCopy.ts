// Temporary copies of this project, for tests that need stack files of their own or the user's
// stack files changed: the copy holds the named entries (default: everything but node_modules and
// .git), its node_modules is a link to this checkout's, and stack files are rewritten as YAML
// documents so that comments and layout survive as in a hand edit.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Document, isMap, isScalar, isSeq, parse, parseDocument, Scalar, visit, YAMLMap } from "yaml";
import { variableStackName } from "../../components/config";

export const PROJECT_ROOT = path.resolve(__dirname, "../..");

/** Copies `entries` of the project (top-level names) into a new temporary folder; node_modules and policy/bin are left out, node_modules linked. */
export function copyProject(prefix: string, entries?: readonly string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const names = entries ?? fs.readdirSync(PROJECT_ROOT).filter((name) => name !== "node_modules" && name !== ".git");
    for (const entry of names) {
        fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(dir, entry), {
            recursive: true,
            filter: (source) => !/[/\\](node_modules|bin)$/.test(source),
        });
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/** Edits a YAML file in place. */
export function rewriteYaml(file: string, change: (doc: Document) => void): void {
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    change(doc);
    fs.writeFileSync(file, doc.toString());
}

/** A deterministic source of numbers in [0, 1) (Park-Miller), so a failure can be reproduced. */
export function seededRandom(seed: number): () => number {
    let state = seed;
    return () => ((state = (state * 16807) % 2147483647) - 1) / 2147483646;
}

const scalarText = (node: unknown): string | undefined => (isScalar(node) && node.value !== null ? String(node.value) : undefined);

/**
 * Rewrites a stack file as another organisation would hold it: `owner` and `accountId`
 * everywhere (ARNs move to the new account), repositories renamed `service-1`, `service-2`, ...,
 * other numeric GitHub IDs, and secrets as another provider's opaque ciphertext (Pulumi Cloud's,
 * say), which nothing offline can read. Generic: it reads whatever the file holds.
 */
export function adoptStackFile(
    doc: Document,
    options: { readonly owner: string; readonly accountId: string; readonly random: () => number; readonly keepRepositories?: readonly string[] },
): void {
    const config = doc.get("config");
    assert.ok(isMap(config));
    const oldOwner = scalarText(config.get("github:owner", true));
    const oldAccount = scalarText(config.get("keyless:accountId", true));
    const names = new Map<string, string>();
    const ids = new Map<string, number>();
    const newId = (old: string) => ids.get(old) ?? (ids.set(old, 100_000 + Math.floor(options.random() * 900_000_000)), ids.get(old)!);
    const repositories = config.get("keyless:repositories");
    assert.ok(isSeq(repositories));
    for (const entry of repositories.items) {
        if (!isMap(entry)) continue;
        const name = scalarText(entry.get("name", true));
        // A kept repository (keyless's own) keeps its name and IDs: the same repository in every stack.
        if (name !== undefined && options.keepRepositories?.includes(name)) continue;
        if (name !== undefined) entry.set("name", names.get(name) ?? (names.set(name, `service-${names.size + 1}`), names.get(name)!));
        for (const field of ["ownerId", "repositoryId"]) {
            const id = scalarText(entry.get(field, true));
            if (id !== undefined) entry.set(field, newId(id));
        }
    }
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
            if (oldAccount) value = value.replaceAll(oldAccount, options.accountId);
            if (oldOwner && oldOwner !== options.owner) value = value.replace(new RegExp(`(?<![A-Za-z0-9])${oldOwner}(?![A-Za-z0-9])`, "g"), options.owner);
            node.value = value;
        },
    });
    config.set("github:owner", options.owner);
    config.set("keyless:accountId", Object.assign(new Scalar(options.accountId), { type: Scalar.QUOTE_DOUBLE }));
    for (const key of ["secretsprovider", "encryptionsalt", "encryptedkey"]) doc.delete(key);
}

/**
 * A stack file copied by hand as the documentation says (docs/running.md, "Adding a stack"):
 * `from` (a stack file path) becomes `Pulumi.<stack>.yaml` in `dir` with its own GitHub
 * environment, account (and the ARNs in it) and repositories, and every `variablePrefix` that
 * named the source stack renamed for the new one. With no `owner` the copy stays in the source's
 * organisation and keeps keyless's own entries (the pipeline deploys the stack through them);
 * with one, every entry is another organisation's.
 */
export function handCopyStack(
    dir: string,
    from: string,
    options: { readonly stack: string; readonly environment: string; readonly owner?: string; readonly accountId: string; readonly seed: number },
): string {
    const file = path.join(dir, `Pulumi.${options.stack}.yaml`);
    fs.copyFileSync(from, file);
    const fromStack = /Pulumi\.(.+)\.ya?ml$/.exec(path.basename(from))?.[1] ?? "";
    rewriteYaml(file, (doc) => {
        const sourceOwner = scalarText((doc.get("config") as YAMLMap | undefined)?.get("github:owner", true));
        const project = (parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
        adoptStackFile(doc, {
            owner: options.owner ?? sourceOwner ?? "owner",
            accountId: options.accountId,
            random: seededRandom(options.seed),
            keepRepositories: options.owner === undefined ? [project] : [],
        });
        const config = doc.get("config");
        assert.ok(isMap(config));
        config.set("keyless:environment", options.environment);
        const repositories = config.get("keyless:repositories");
        if (!isSeq(repositories) || fromStack === "") return;
        for (const entry of repositories.items) {
            const prefix = isMap(entry) ? scalarText(entry.get("variablePrefix", true)) : undefined;
            if (prefix?.endsWith(`_${variableStackName(fromStack)}`) && isMap(entry)) {
                entry.set("variablePrefix", `${prefix.slice(0, -variableStackName(fromStack).length)}${variableStackName(options.stack)}`);
            }
        }
    });
    return file;
}
