"""News monitor for Chinese medical-cooperation news: pure logic, storage, digest, CLI."""
