"""Test support code: fake upstream services as real aiohttp applications."""
