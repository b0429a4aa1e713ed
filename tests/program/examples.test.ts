// The example stack files keep their secrets encrypted, as real ciphertext of the passphrase
// secrets provider (passphrase "keyless-example", see README.md), never as plaintext.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { parse } from "yaml";

/** Pulumi's passphrase provider: PBKDF2-SHA256 (1,000,000 rounds) key, AES-256-GCM values. */
function decrypter(passphrase: string, encryptionSalt: string): (value: string) => string {
    const [version, salt] = encryptionSalt.split(":");
    assert.equal(version, "v1");
    const key = crypto.pbkdf2Sync(passphrase, Buffer.from(salt, "base64"), 1_000_000, 32, "sha256");
    return (value) => {
        const [valueVersion, nonce, sealed] = value.split(":");
        assert.equal(valueVersion, "v1");
        const bytes = Buffer.from(sealed, "base64");
        const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64"));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
    };
}

describe("example stack files", () => {
    for (const stack of ["dev", "prod"]) {
        it(`Pulumi.${stack}.yaml stores its secrets as ciphertext that decrypts with the documented passphrase`, () => {
            const file = parse(fs.readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as {
                secretsprovider: string;
                encryptionsalt: string;
                config: Record<string, unknown>;
            };
            assert.equal(file.secretsprovider, "passphrase");
            const decrypt = decrypter("keyless-example", file.encryptionsalt);
            assert.equal(decrypt(file.encryptionsalt.split(":").slice(2).join(":")), "pulumi");
            const secure = Object.entries(file.config).filter(
                ([, value]) => typeof value === "object" && value !== null && "secure" in value,
            ) as [string, { secure: string }][];
            assert.ok(secure.length > 0, "the example shows at least one secret");
            for (const [key, value] of secure) {
                assert.match(decrypt(value.secure), /^sntrys_example_/, key);
            }
        });
    }
});
