// Deciding which subject form a repository's tokens carry, from GitHub's answer to
// GET /repos/{owner}/{repo}/actions/oidc/customization/sub. Pure: the lookup itself lives in
// identities.ts.

import { SubjectFormat } from "./subjects";

/** The fields of GitHub's OIDC subject customization answer that keyless reads. */
export interface SubjectCustomization {
    readonly use_default?: unknown;
    readonly include_claim_keys?: unknown;
    readonly use_immutable_subject?: unknown;
    readonly sub_claim_prefix?: unknown;
}

export interface SubjectFormatDecision {
    readonly format: SubjectFormat;
    /** IDs carried by GitHub's `sub_claim_prefix`, when it is in the immutable form. */
    readonly ownerId?: number;
    readonly repositoryId?: number;
    /** Owner and repository spelled as GitHub spells them in the claim. */
    readonly owner?: string;
    readonly repository?: string;
    /** Set when GitHub did not say which form it uses; the role then trusts both. */
    readonly warning?: string;
    /** Set when keyless cannot build an exact subject for this repository. */
    readonly problem?: string;
}

/** GitHub's default template, which keyless builds subjects for. */
const DEFAULT_TEMPLATE_KEYS = ["repo", "context"];

/**
 * Reads GitHub's answer. `sub_claim_prefix` is authoritative when present (it is what the next
 * token will start with); `use_immutable_subject` is the opt-in flag and says nothing about
 * repositories that are immutable by default, so it only settles the question when true.
 */
export function decideSubjectFormat(
    fullName: string,
    httpStatus: number,
    body: string,
): SubjectFormatDecision {
    const both = (reason: string): SubjectFormatDecision => ({
        format: "both",
        warning:
            `could not tell which OIDC subject form ${fullName} uses (${reason}); its role trusts both ` +
            `the legacy and the immutable subject. Set subjectFormat to "immutable" or "legacy" ` +
            `for this repository to trust only one.`,
    });
    // A token without Actions: read may get 404 rather than 403 (GitHub hides what it may not show).
    if (httpStatus === 404) return both(`GitHub answered HTTP 404: no such repository, or the token lacks Actions: read on ${fullName}`);
    if (httpStatus !== 200) return both(`GitHub answered HTTP ${httpStatus}`);
    let answer: SubjectCustomization;
    try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
            return both("GitHub's answer is not a JSON object");
        }
        answer = parsed as SubjectCustomization;
    } catch {
        return both("GitHub's answer is not JSON");
    }

    const keys = answer.include_claim_keys;
    if (answer.use_default === false && Array.isArray(keys) && keys.length > 0) {
        const isDefault =
            keys.length === DEFAULT_TEMPLATE_KEYS.length &&
            keys.every((key, index) => key === DEFAULT_TEMPLATE_KEYS[index]);
        if (!isDefault) {
            return {
                format: "both",
                problem:
                    `${fullName} uses a custom OIDC subject template (claims ${JSON.stringify(keys)}), so its ` +
                    `tokens do not carry repo:OWNER/REPO:<context> and no exact keyless trust can match them. ` +
                    `Reset it to GitHub's default (PUT /repos/${fullName}/actions/oidc/customization/sub ` +
                    `with {"use_default": true}) before adding this repository.`,
            };
        }
    }

    if (typeof answer.sub_claim_prefix === "string" && answer.sub_claim_prefix.length > 0) {
        const immutable = /^repo:([^@/]+)@(\d+)\/([^@/:]+)@(\d+)$/.exec(answer.sub_claim_prefix);
        if (immutable) {
            return {
                format: "immutable",
                owner: immutable[1],
                ownerId: Number(immutable[2]),
                repository: immutable[3],
                repositoryId: Number(immutable[4]),
            };
        }
        const legacy = /^repo:([^@/]+)\/([^@/:]+)$/.exec(answer.sub_claim_prefix);
        if (legacy) return { format: "legacy", owner: legacy[1], repository: legacy[2] };
        return both(`GitHub's sub_claim_prefix ${JSON.stringify(answer.sub_claim_prefix)} is not a form keyless knows`);
    }
    if (answer.use_immutable_subject === true) return { format: "immutable" };
    return both("GitHub's answer has no sub_claim_prefix");
}
