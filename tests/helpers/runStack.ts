// Runs this project's program under Pulumi's mocks (see tools/offlineRun.ts) with one of the
// stack files the tests own (tests/fixtures/stacks/Pulumi.<stack>.yaml, never the user's own
// Pulumi.<stack>.yaml) and offers small queries over what it registered.

import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ORGANIZATION_PACK_CONFIG, PACK_CONFIG_ENV } from "../../components/protection";
import { GithubWorld } from "../../tools/offlineGithub";
import { AwsWorld, OfflineRun, RecordedResource, runOffline } from "../../tools/offlineRun";
import { readStackConfig } from "../../tools/stackFiles";

/** The stack files the tests own. */
export const FIXTURE_STACKS = path.resolve(__dirname, "../fixtures/stacks");
/** The organisation pack configuration the tests own: reviewers for prod* and production. */
export const FIXTURE_PACK_CONFIG = path.resolve(__dirname, "../fixtures/policy-config/organization.json");

/**
 * Options that run the project's own Pulumi.<stack>.yaml with the organisation's pack configuration
 * instead of the fixtures: only for generic checks (it runs, it stays within the rules).
 */
export const PROJECT_STACK = { stackDir: ".", packConfig: ORGANIZATION_PACK_CONFIG } as const;

export interface StackRunOptions {
    /** The directory holding Pulumi.<stack>.yaml (default: the program's directory when one is given, else FIXTURE_STACKS). */
    readonly stackDir?: string;
    /** The program's directory (default: this project). */
    readonly programDir?: string;
    /** The pack configuration the program checks protection with (default: FIXTURE_PACK_CONFIG). */
    readonly packConfig?: string;
    /** Config keys to replace (a value of undefined removes the key). */
    readonly config?: Record<string, unknown>;
    readonly answers?: (token: string, args: Record<string, unknown>) => Record<string, unknown> | undefined;
    /** The GitHub the program talks to; without one, GitHub's answers are offline stand-ins. */
    readonly github?: GithubWorld;
    /** What exists in the AWS account (providers, roles, policies); defaults to the stand-in world. */
    readonly aws?: AwsWorld;
    /** Run as `pulumi up` instead of a preview. */
    readonly up?: boolean;
}

export async function runStack(stack: string, options: StackRunOptions = {}): Promise<StackRun> {
    const programDir = options.programDir ?? ".";
    const stackDir = options.stackDir ?? (options.programDir ?? FIXTURE_STACKS);
    const file = readStackConfig(programDir, stack, path.join(stackDir, `Pulumi.${stack}.yaml`));
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
        aws: options.aws,
        preview: options.up === true ? false : undefined,
        env: { [PACK_CONFIG_ENV]: options.packConfig ?? FIXTURE_PACK_CONFIG },
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
        env: { [PACK_CONFIG_ENV]: options.packConfig ?? FIXTURE_PACK_CONFIG },
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
