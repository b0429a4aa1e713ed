// Reads the pipeline's files from the repository for the workflow tests.

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { pipelineStacks, PipelineStack, readStackFiles, StackFile } from "../../tools/pipelineStacks";
import { isRecord, loadWorkflow, WorkflowFile } from "./hardening";

export const ROOT = path.resolve(__dirname, "..", "..");
export const WORKFLOW_DIR = ".github/workflows";
export const DEPENDABOT = ".github/dependabot.yml";

/** Workflow files, relative to the repository root, sorted. */
export function workflowPaths(): string[] {
    return fs
        .readdirSync(path.join(ROOT, WORKFLOW_DIR))
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => `${WORKFLOW_DIR}/${name}`);
}

export function readText(relative: string): string {
    return fs.readFileSync(path.join(ROOT, relative), "utf8");
}

export function loadWorkflows(): WorkflowFile[] {
    return workflowPaths().map((relative) => loadWorkflow(relative, readText(relative)));
}

/** The @pulumi/pulumi version package-lock.json resolves, if any. */
export function sdkVersion(): string | undefined {
    const lock: unknown = JSON.parse(readText("package-lock.json"));
    const packages = isRecord(lock) ? lock.packages : undefined;
    const entry = isRecord(packages) ? packages["node_modules/@pulumi/pulumi"] : undefined;
    return isRecord(entry) && typeof entry.version === "string" ? entry.version : undefined;
}

/**
 * The repository (`owner/name`) whose workflows run the project's stack files: the owner the
 * stack files manage (`github:owner`) and the project's name, as on a clean clone of keyless.
 */
export function stackRepository(files: readonly StackFile[]): string {
    const owners = files.map((file) => file.config["github:owner"]).filter((owner): owner is string => typeof owner === "string");
    const project = (parse(readText("Pulumi.yaml")) as { name: string }).name;
    return `${owners[0] ?? "owner"}/${project}`;
}

/** The project's own stacks, whatever set of Pulumi.<stack>.yaml files exists (for generic checks only). */
export function projectStacks(): PipelineStack[] {
    const files = readStackFiles(ROOT);
    return pipelineStacks(files, stackRepository(files));
}

/** The fixture stacks (tests/fixtures/stacks: dev and prod), keyless's own entry in dev narrowed to main. */
export function fixtureStacks(): PipelineStack[] {
    const files = readStackFiles(path.join(ROOT, "tests", "fixtures", "stacks")).map((file) => {
        if (file.stack !== "dev") return file;
        const entries = Array.isArray(file.config["keyless:repositories"]) ? (file.config["keyless:repositories"] as unknown[]) : [];
        const narrowed = entries.map((entry, index) => (index === 0 && isRecord(entry) ? { ...entry, deploymentBranches: ["main"] } : entry));
        return { ...file, config: { ...file.config, "keyless:repositories": narrowed } };
    });
    return pipelineStacks(files, stackRepository(files));
}
