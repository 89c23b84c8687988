"""What the tests share besides fixtures: test doubles, builders of test data and documents,
attack corpora. Imported as ``tests.helpers.<module>``; fixtures live in tests/conftest.py."""
