-- Personal API tokens expire (90 days unless the operator sets --api-token-days); tokens
-- made before this version expire 90 days after they were made.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
UPDATE api_tokens SET expires_at = created_at + 7776000000 WHERE expires_at IS NULL;
