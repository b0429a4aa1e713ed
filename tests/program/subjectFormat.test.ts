import * as assert from "node:assert/strict";
import { decideSubjectFormat } from "../../components/subjectFormat";

describe("which subject form a repository uses", () => {
    it("takes GitHub's immutable sub_claim_prefix as authoritative, IDs and spelling included", () => {
        const decision = decideSubjectFormat(
            "acme/api",
            200,
            '{"use_default":true,"use_immutable_subject":false,"sub_claim_prefix":"repo:Acme@1844662/Api@599293758"}',
        );
        assert.equal(decision.format, "immutable");
        assert.equal(decision.ownerId, 1844662);
        assert.equal(decision.repositoryId, 599293758);
        assert.equal(decision.owner, "Acme");
        assert.equal(decision.repository, "Api");
        assert.equal(decision.warning, undefined);
    });

    it("reads a name-only sub_claim_prefix as the legacy form", () => {
        assert.equal(decideSubjectFormat("acme/api", 200, '{"use_default":true,"sub_claim_prefix":"repo:acme/api"}').format, "legacy");
    });

    it("treats the opt-in flag as immutable when GitHub gives no prefix", () => {
        assert.equal(decideSubjectFormat("acme/api", 200, '{"use_default":true,"use_immutable_subject":true}').format, "immutable");
    });

    it("trusts both forms, and says why, when GitHub does not tell", () => {
        for (const [status, body] of [
            [404, ""],
            [200, '{"use_default":true}'],
            [200, "not json"],
            [200, "[1,2]"],
        ] as const) {
            const decision = decideSubjectFormat("acme/api", status, body);
            assert.equal(decision.format, "both", `${status} ${body}`);
            assert.match(decision.warning ?? "", /acme\/api.*subjectFormat/);
        }
    });

    it("refuses a custom subject template, which no exact repo: subject can match", () => {
        const decision = decideSubjectFormat(
            "acme/api",
            200,
            '{"use_default":false,"include_claim_keys":["repository_owner_id","context"]}',
        );
        assert.match(decision.problem ?? "", /custom OIDC subject template.*use_default/);
    });

    it("accepts a custom template that equals GitHub's default", () => {
        const decision = decideSubjectFormat(
            "acme/api",
            200,
            '{"use_default":false,"include_claim_keys":["repo","context"],"use_immutable_subject":true,"sub_claim_prefix":"repo:acme@1/api@2"}',
        );
        assert.equal(decision.problem, undefined);
        assert.equal(decision.format, "immutable");
    });
});
