// Runs this project's program for one of its stack files under Pulumi's mocks (see
// tools/offlineRun.ts) and offers small queries over what it registered.

import * as assert from "node:assert/strict";
import { GithubWorld } from "../../tools/offlineGithub";
import { OfflineRun, RecordedResource, runOffline } from "../../tools/offlineRun";
import { readStackConfig } from "../../tools/stackFiles";

export interface StackRunOptions {
    /** The program's directory (a fixture under tests/fixtures); default: this project. */
    readonly programDir?: string;
    /** Config keys to replace (a value of undefined removes the key). */
    readonly config?: Record<string, unknown>;
    readonly answers?: (token: string, args: Record<string, unknown>) => Record<string, unknown> | undefined;
    /** The GitHub the program talks to; without one, GitHub's answers are offline stand-ins. */
    readonly github?: GithubWorld;
}

export async function runStack(stack: string, options: StackRunOptions = {}): Promise<StackRun> {
    const programDir = options.programDir ?? ".";
    const file = readStackConfig(programDir, stack);
    const values = { ...file.values };
    for (const [key, value] of Object.entries(options.config ?? {})) {
        if (value === undefined) delete values[key];
        else values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const run = await runOffline({
        programDir,
        project: file.project,
        stack,
        config: values,
        secretKeys: file.secretKeys,
        accountId: values["keyless:accountId"],
        answers: options.answers,
        github: options.github,
    });
    return new StackRun(run);
}

/** Runs this project's program with a config the test owns (full keys; objects as JSON). */
export async function runConfig(config: Record<string, unknown>, options: Omit<StackRunOptions, "config"> = {}): Promise<StackRun> {
    const values = Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
    const run = await runOffline({
        programDir: ".",
        project: "keyless",
        stack: "fixture",
        config: values,
        accountId: values["keyless:accountId"],
        answers: options.answers,
        github: options.github,
    });
    return new StackRun(run);
}

export class StackRun {
    constructor(readonly run: OfflineRun) {}

    /** Custom (cloud) resources of a type. */
    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((resource) => resource.type === type);
    }

    /** The one resource of a type whose input `field` equals `value`. */
    one(type: string, field: string, value: unknown): RecordedResource {
        const matches = this.ofType(type).filter((resource) => resource.inputs[field] === value);
        assert.equal(matches.length, 1, `${type} with ${field}=${String(value)}: found ${matches.length}`);
        return matches[0];
    }

    get customResources(): RecordedResource[] {
        return this.run.resources.filter((resource) => resource.custom);
    }

    /** Fails unless the program ran without error. */
    assertSucceeded(): this {
        assert.equal(this.run.error, undefined, `the program failed:\n${this.run.error}`);
        return this;
    }
}
