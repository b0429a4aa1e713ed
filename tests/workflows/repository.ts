// Reads the pipeline's files from the repository for the workflow tests.

import * as fs from "fs";
import * as path from "path";
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
