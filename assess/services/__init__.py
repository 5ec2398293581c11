"""State-changing use cases. They flush, never commit: the request or CLI command commits once."""
