"""HTTP plumbing: bodies, decoding, errors, auth, middleware, logs, metrics."""
