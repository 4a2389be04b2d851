"""What delivery needs from a spec, before any AWS call: the deterministic source bundle and its
content hash (the images' tag), the build mode, the secrets' value hashes, and the facts the
state store holds for the app (rollback pin, suspended)."""
