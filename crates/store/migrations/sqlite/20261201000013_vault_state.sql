-- Which key-encryption key new data keys are wrapped with: shared by every server on this
-- database, so a rotation moves them all at once. The row is also the turn that key
-- creation and a rotation's switch take, so no key is wrapped under an old key after the
-- switch (NULL until the first data key is made; then the operator's current key).
--
-- instance_id names this installation; the same id is kept beside the keys
-- (DATA_DIR/keys/instance), so a database is never paired with another installation's
-- keys, and a backup is never restored over another installation's data.
CREATE TABLE vault_state (
    id             BIGINT PRIMARY KEY,
    current_kek_id TEXT,
    key_turn       BIGINT NOT NULL DEFAULT 0,
    instance_id    TEXT
);
INSERT INTO vault_state (id, current_kek_id, key_turn, instance_id) VALUES (1, NULL, 0, NULL);
