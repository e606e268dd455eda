-- Which key-encryption key new data keys are wrapped with: shared by every server on this
-- database, so a rotation moves them all at once. The row is also the turn that key
-- creation and a rotation's switch take, so no key is wrapped under an old key after the
-- switch (NULL until the first data key is made; then the operator's current key).
CREATE TABLE vault_state (
    id             BIGINT PRIMARY KEY,
    current_kek_id TEXT,
    key_turn       BIGINT NOT NULL DEFAULT 0
);
INSERT INTO vault_state (id, current_kek_id, key_turn) VALUES (1, NULL, 0);
