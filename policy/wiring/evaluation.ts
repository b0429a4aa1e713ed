// How a policy body meets the SDK: known parts are judged and reported first; then the first Pulumi
// unknown is rethrown, which the SDK turns into its "can't run policy during preview" advisory. Any
// other exception becomes a violation instead of failing the user's whole preview.

import * as policySdk from "@pulumi/policy";
import { ReportViolation } from "@pulumi/policy";
import { Unresolved } from "../analysis/types";

// The SDK exports UnknownValueError at runtime but its typings drop it (it is marked @internal).
const UnknownValueError = (policySdk as unknown as { UnknownValueError: new (sentinel: string, path: string[]) => Error })
    .UnknownValueError;
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknownValueError(error: unknown): boolean {
    return error instanceof UnknownValueError;
}

export function describeError(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export type Reading<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Reads a value through the SDK's proxy, which throws on unknowns. */
export function read<T>(get: () => T): Reading<T> {
    try {
        return { ok: true, value: get() };
    } catch (error) {
        return { ok: false, error };
    }
}

export class Evaluation {
    private pendingUnknown: unknown;

    constructor(private readonly reportViolation: ReportViolation) {}

    violation(message: string, urn?: string): void {
        this.reportViolation(message, urn);
    }

    /** A value that could not be read: an unknown waits for `pulumi up`, anything else fails closed. */
    unreadable(path: string, error: unknown, consequence: string, urn?: string): void {
        if (isUnknownValueError(error)) {
            this.deferUnknown(error);
        } else {
            this.violation(`${path} could not be read (${describeError(error)}); ${consequence}`, urn);
        }
    }

    /** Parts an analysis could not judge: unknown sentinels and unknown reads wait, other failed reads fail closed. */
    unresolved(prefix: string, parts: readonly Unresolved[], consequence: string, urn?: string): void {
        for (const part of parts) {
            if (part.cause === undefined) {
                this.deferUnknown(new UnknownValueError(UNKNOWN_STRING, [`${prefix} ${part.path}`]));
            } else {
                this.unreadable(`${prefix} ${part.path}`, part.cause, consequence, urn);
            }
        }
    }

    /**
     * Waits for the unknown parts (sentinels and unknown reads) and ignores parts whose read failed
     * otherwise: for checks that build on another policy, which already fails closed on those.
     */
    waitForUnknowns(prefix: string, parts: readonly Unresolved[]): void {
        for (const part of parts) {
            if (part.cause === undefined) {
                this.deferUnknown(new UnknownValueError(UNKNOWN_STRING, [`${prefix} ${part.path}`]));
            } else if (isUnknownValueError(part.cause)) {
                this.deferUnknown(part.cause);
            }
        }
    }

    deferUnknown(error: unknown): void {
        if (this.pendingUnknown === undefined) {
            this.pendingUnknown = error;
        }
    }

    /** Surfaces the first unknown after everything known has been reported. */
    finish(): void {
        if (this.pendingUnknown !== undefined) {
            throw this.pendingUnknown;
        }
    }
}

/** Runs one policy body under the rules above. */
export function evaluate(reportViolation: ReportViolation, body: (evaluation: Evaluation) => void): void {
    const evaluation = new Evaluation(reportViolation);
    try {
        body(evaluation);
    } catch (error) {
        if (isUnknownValueError(error)) {
            evaluation.deferUnknown(error);
        } else {
            evaluation.violation(
                `keyless could not finish this check (${describeError(error)}), so it fails closed; please report this with the resource's inputs.`,
            );
        }
    }
    evaluation.finish();
}
