// IAM glob matching and language coverage, checked against independent references: a regular expression
// for matching, and brute-force enumeration of short strings for coverage.

import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
    ANYTHING,
    compileGlob,
    coversSomePrefix,
    globMatches,
    languageCovers,
    languagesIntersect,
    SEGMENT,
    target,
} from "../../policy/analysis/glob";

function reference(pattern: string): RegExp {
    const body = [...pattern].map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("");
    return new RegExp(`^${body}$`);
}

/** Every string over `alphabet` up to `length` characters. */
function strings(alphabet: string, length: number): string[] {
    const all = [""];
    let frontier = [""];
    for (let n = 0; n < length; n++) {
        frontier = frontier.flatMap((s) => [...alphabet].map((c) => s + c));
        all.push(...frontier);
    }
    return all;
}

const ALPHABET = "ab:";
const SHORT = strings(`${ALPHABET}c`, 6); // "c" stands for characters no pattern mentions
const smallPattern = fc.array(fc.constantFrom("a", "b", ":", "*", "?"), { maxLength: 4 }).map((chars) => chars.join(""));

describe("IAM glob matching", () => {
    it("agrees with a regular-expression reference", () => {
        fc.assert(
            fc.property(fc.string({ unit: fc.constantFrom("a", "b", "*", "?", ":", "/") , maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", ":", "/"), maxLength: 10 }), (pattern, text) => {
                assert.equal(globMatches(pattern, text), reference(pattern).test(text));
            }),
            { numRuns: 2000 },
        );
    });

    it("matches IAM's own examples", () => {
        for (const pattern of ["iam:pass*", "iam:*role", "iam:p?ssrole", "iam:*", "*", "*:*"]) {
            assert.ok(globMatches(pattern, "iam:passrole"), pattern);
        }
        assert.ok(!globMatches("iam:passroles", "iam:passrole"));
        assert.ok(!globMatches("iam:pass?", "iam:passrole"));
    });

    it("stays polynomial on patterns that make backtracking matchers explode", () => {
        const pattern = `${"*a".repeat(2_000)}*b`;
        const text = "a".repeat(5_000);
        assert.equal(globMatches(pattern, text), false);
    });
});

describe("IAM glob coverage (language containment)", () => {
    it("languageCovers agrees with brute force on short strings", () => {
        fc.assert(
            fc.property(fc.array(smallPattern, { minLength: 1, maxLength: 3 }), smallPattern, (patterns, targetPattern) => {
                const verdict = languageCovers(patterns.map(compileGlob), compileGlob(targetPattern));
                const targetRegex = reference(targetPattern);
                const patternRegexes = patterns.map(reference);
                const counterexample = SHORT.find((s) => targetRegex.test(s) && !patternRegexes.some((r) => r.test(s)));
                // Short patterns have short counterexamples, so the enumeration decides the question.
                assert.equal(verdict, counterexample === undefined, `counterexample ${JSON.stringify(counterexample)}`);
            }),
            { numRuns: 1500 },
        );
    });

    it("languagesIntersect agrees with brute force on short strings", () => {
        fc.assert(
            fc.property(fc.array(smallPattern, { minLength: 1, maxLength: 3 }), smallPattern, (patterns, targetPattern) => {
                const verdict = languagesIntersect(patterns.map(compileGlob), compileGlob(targetPattern));
                const targetRegex = reference(targetPattern);
                const patternRegexes = patterns.map(reference);
                const witness = SHORT.find((s) => targetRegex.test(s) && patternRegexes.some((r) => r.test(s)));
                assert.equal(verdict, witness !== undefined);
            }),
            { numRuns: 1500 },
        );
    });

    describe("which Resource values cover every role ARN of an account", () => {
        const roles = target("arn:", SEGMENT, ":iam::", SEGMENT, ":role/");
        const covers = (...resources: string[]): boolean | undefined => coversSomePrefix(resources.map(compileGlob), roles);
        for (const resource of ["*", "arn:aws:iam::*:role/*", "arn:*:iam::*:*", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::*", "arn:*", "arn:aws:iam::1*:role/*"]) {
            it(`${resource} does`, () => assert.equal(covers(resource), true));
        }
        for (const resource of ["arn:aws:iam::123456789012:role/app", "arn:aws:iam::123456789012:role/deploy-*", "arn:aws:iam::*:role/?", "arn:aws:s3:::*", "arn:aws:iam:::role/*", "arn:aws:iam::*:user/*"]) {
            it(`${resource} does not`, () => assert.equal(covers(resource), false));
        }
        it("a union can cover what no single pattern does", () =>
            assert.equal(covers("arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/?*"), true));
    });

    it("every action and all of IAM", () => {
        const everyAction = target(SEGMENT, ":", SEGMENT);
        const allOfIam = target("iam:", SEGMENT);
        assert.equal(languageCovers(["*"].map(compileGlob), everyAction), true);
        assert.equal(languageCovers(["*:*"].map(compileGlob), everyAction), true);
        assert.equal(languageCovers(["iam:*"].map(compileGlob), everyAction), false);
        assert.equal(languageCovers(["iam:*"].map(compileGlob), allOfIam), true);
        assert.equal(languageCovers(["iam:?*"].map(compileGlob), allOfIam), true);
        assert.equal(languageCovers(["iam:get*", "iam:list*"].map(compileGlob), allOfIam), false);
        assert.equal(languageCovers(["*"].map(compileGlob), target(ANYTHING)), true);
    });

    it("answers \"undecided\" rather than running away on pathological pattern sets", () => {
        const patterns = Array.from({ length: 40 }, (_, i) => compileGlob(`*${"ab".repeat(i % 7)}*${String.fromCharCode(97 + (i % 26))}?*`));
        const verdict = coversSomePrefix(patterns, target("arn:", SEGMENT, ":iam::", SEGMENT, ":role/"));
        assert.ok(verdict === undefined || verdict === true, "these patterns do cover every role ARN (each has *a?* in some form)");
    });
});
